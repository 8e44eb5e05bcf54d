"""Runs exported ONNX models through the consumers the studio verifies besides
onnxruntime: the ONNX checker (full_check) with strict shape inference, and
OpenCV's DNN module. One process for a whole manifest, because importing onnx
and cv2 takes longer than checking a small model.

Usage: python3 consumerCheck.py MANIFEST.json  (prints one JSON object)

The manifest:
  {"models": [{"name": "...", "onnx": "model.onnx", "output": "opencv.f32",
               "input": {"f32": "x.f32", "shape": [n, h, w, c]}
                      | {"images": ["a.png", ...], "height": h, "width": w, "channels": 1 or 3}}]}

Image inputs are decoded and scaled here with OpenCV alone (imread, then
blobFromImages to [0, 1]), independently of the studio's own preprocessing,
and handed to the network in its NHWC layout. OpenCV's output is written to
`output` as little-endian float32; the caller compares it with the studio's.
"""
import json
import sys

import numpy as np


def check_onnx(onnx, path):
    """The checker with full_check, then strict shape inference; returns (error, output shape)."""
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
        dims = inferred.graph.output[0].type.tensor_type.shape.dim
        shape = [d.dim_value if d.HasField("dim_value") else d.dim_param for d in dims]
        # Every intermediate value must receive a shape; a gap means a node the inference cannot follow.
        known = {v.name for v in inferred.graph.value_info} | {i.name for i in inferred.graph.initializer}
        known |= {v.name for v in inferred.graph.input} | {v.name for v in inferred.graph.output}
        missing = [o for n in inferred.graph.node for o in n.output if o not in known]
        if missing:
            return f"shape inference gave no shape for {', '.join(missing[:5])}", shape
        return None, shape
    except Exception as e:  # the checker's own exception types differ between versions
        return f"{type(e).__name__}: {e}".strip(), None


def input_blob(cv2, spec):
    if "f32" in spec:
        blob = np.fromfile(spec["f32"], dtype="<f4").reshape(spec["shape"])
        # cv2 turns a 3-D array into an image with channels; [N, H, W, 1] reaches the network as [N, H, W].
        return blob[..., np.newaxis] if blob.ndim == 3 else blob
    flag = cv2.IMREAD_GRAYSCALE if spec["channels"] == 1 else cv2.IMREAD_COLOR
    images = []
    for path in spec["images"]:
        image = cv2.imread(path, flag)
        if image is None:
            raise ValueError(f"OpenCV cannot read {path}")
        images.append(image)
    # NCHW in [0, 1], RGB order for colour images, then the studio's NHWC.
    blob = cv2.dnn.blobFromImages(images, scalefactor=1.0 / 255, size=(spec["width"], spec["height"]), swapRB=spec["channels"] == 3, crop=False)
    return np.ascontiguousarray(blob.transpose(0, 2, 3, 1))


def run_opencv(cv2, model):
    try:
        net = cv2.dnn.readNetFromONNX(model["onnx"])
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        net.setInput(input_blob(cv2, model["input"]))
        output = np.asarray(net.forward(), dtype="<f4")
        output.tofile(model["output"])
        return None, list(output.shape)
    except Exception as e:
        return f"{type(e).__name__}: {e}".strip(), None


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        manifest = json.load(f)
    versions = {"numpy": np.__version__}
    try:
        import onnx
        versions["onnx"] = onnx.__version__
    except ImportError:
        onnx = None
    try:
        import cv2
        versions["opencv"] = cv2.__version__
    except ImportError:
        cv2 = None
    results = []
    for model in manifest["models"]:
        result = {"name": model["name"]}
        if onnx is not None:
            result["checker"], result["inferredOutputShape"] = check_onnx(onnx, model["onnx"])
        if cv2 is not None:
            result["opencv"], result["opencvOutputShape"] = run_opencv(cv2, model)
        results.append(result)
    json.dump({"versions": versions, "models": results}, sys.stdout)


if __name__ == "__main__":
    main()

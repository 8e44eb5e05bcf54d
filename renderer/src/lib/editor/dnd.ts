/** The drag-and-drop payload type of a palette item (its value is the layer type). */
export const LAYER_MIME = 'application/x-convnet-layer';

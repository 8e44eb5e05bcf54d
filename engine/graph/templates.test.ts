/** Templates: valid, buildable with their documented sizes, laid out top to bottom; project files round-trip. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { isStudioError } from '../errors.js';
import { buildModel } from './tfjs/build.js';
import { PROJECT_FORMAT, PROJECT_VERSION, defaultTrainingSettings, type ProjectFile } from '../project/schema.js';
import { createProject, listTemplates, templateParamCounts } from './templates.js';
import { validateGraph } from './validate.js';

before(async () => {
  await tf.setBackend('cpu');
});

describe('templates', () => {
  test('the six documented templates are listed', () => {
    assert.deepEqual(
      listTemplates().map((t) => t.name),
      ['seed-cnn', 'lenet5', 'vgg-small', 'resnet-small', 'mobilenet-small', 'transfer', 'mobilenetv2-imagenet'],
    );
    for (const t of listTemplates()) assert.ok(t.title && t.description, `${t.name} has a title and description`);
  });

  test('the seed CNN is exactly the Keras getting-started network', () => {
    const { graph } = createProject('seed-cnn');
    const layers = graph.nodes.map((n) => `${n.type}${JSON.stringify(n.params)}`);
    assert.deepEqual(layers, [
      'Input{"shape":[28,28,1]}',
      'Conv2D{"filters":32,"kernel_size":3,"activation":"relu"}',
      'MaxPooling2D{"pool_size":2}',
      'Conv2D{"filters":64,"kernel_size":3,"activation":"relu"}',
      'MaxPooling2D{"pool_size":2}',
      'Conv2D{"filters":64,"kernel_size":3,"activation":"relu"}',
      'Flatten{}',
      'Dense{"units":64,"activation":"relu"}',
      'Dense{"units":10,"activation":"softmax"}',
      'Output{}',
    ]);
    assert.equal(templateParamCounts('seed-cnn').params, 93_322);
  });

  for (const { name } of listTemplates()) {
    test(`${name} validates clean and builds with its documented parameter count`, () => {
      const project = createProject(name);
      const report = validateGraph(project.graph, { classCount: 10, loss: 'sparse-categorical-crossentropy' });
      assert.deepEqual(report.problems, []);
      // The ImageNet base takes RGB at its pretrained size; the others are MNIST-sized.
      assert.deepEqual(report.inputShape, name === 'mobilenetv2-imagenet' ? [224, 224, 3] : [28, 28, 1]);
      assert.deepEqual(report.outputShape, [10]);
      const documented = templateParamCounts(name);
      assert.equal(report.totals.params, documented.params);
      assert.equal(report.totals.trainableParams, documented.trainableParams);
      assert.ok(listTemplates().find((t) => t.name === name)!.description.includes(documented.params.toLocaleString('en')));

      const model = buildModel(project.graph, { seed: 3 });
      assert.equal(model.countParams(), documented.params);
      const trainable = model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce<number>((n, d) => n * (d ?? 1), 1), 0);
      assert.equal(trainable, documented.trainableParams);
      model.dispose();
    });

    test(`${name} reads top to bottom without overlaps`, () => {
      const { graph } = createProject(name);
      const at = new Map(graph.nodes.map((n) => [n.id, n.position]));
      for (const e of graph.edges) assert.ok(at.get(e.target)!.y > at.get(e.source)!.y, `${e.id} points down`);
      const spots = new Set(graph.nodes.map((n) => `${n.position.x},${n.position.y}`));
      assert.equal(spots.size, graph.nodes.length);
    });
  }

  test('resnet-small joins residual branches with Add after BatchNormalization', () => {
    const { graph } = createProject('resnet-small');
    const adds = graph.nodes.filter((n) => n.type === 'Add');
    assert.equal(adds.length, 2);
    for (const add of adds) {
      const sources = graph.edges.filter((e) => e.target === add.id).map((e) => graph.nodes.find((n) => n.id === e.source)!.type);
      assert.ok(sources.includes('BatchNormalization'));
      assert.equal(sources.length, 2);
    }
  });

  test('mobilenet-small is built from depthwise-separable blocks', () => {
    const { graph } = createProject('mobilenet-small');
    const types = graph.nodes.map((n) => n.type);
    assert.equal(types.filter((t) => t === 'DepthwiseConv2D').length, 3);
  });

  test('an unknown template is a StudioError that lists the valid names', () => {
    assert.throws(
      () => createProject('alexnet'),
      (e: unknown) => isStudioError(e) && e.code === 'unknown-template' && e.message.includes('alexnet') && e.hint.includes('seed-cnn') && e.hint.includes('mobilenet-small'),
    );
  });
});

describe('project files', () => {
  test('createProject fills in the format, defaults and name', () => {
    const project = createProject('lenet5', 'Digits');
    assert.equal(project.format, PROJECT_FORMAT);
    assert.equal(project.version, PROJECT_VERSION);
    assert.equal(project.name, 'Digits');
    assert.deepEqual(project.training, defaultTrainingSettings());
    assert.deepEqual(project.runs, []);
    assert.equal(createProject('lenet5').name, 'LeNet-5');
  });

  test('a project survives JSON unchanged', () => {
    for (const { name } of listTemplates()) {
      const project = createProject(name, `My ${name}`);
      const text = JSON.stringify(project, null, 2);
      const back = JSON.parse(text) as ProjectFile;
      assert.deepEqual(back, project);
      assert.equal(JSON.stringify(back, null, 2), text);
      // The graph read back is still the template: it validates clean with the documented parameter count.
      const report = validateGraph(back.graph, { classCount: 10 });
      assert.deepEqual(report.problems, []);
      assert.equal(report.totals.params, templateParamCounts(name).params);
    }
  });

  test('every project gets its own graph', () => {
    const a = createProject('seed-cnn');
    const b = createProject('seed-cnn');
    a.graph.nodes[1]!.params['filters'] = 1;
    assert.equal(b.graph.nodes[1]!.params['filters'], 32);
    (a.graph.nodes[0]!.params['shape'] as number[])[0] = 1;
    assert.deepEqual(b.graph.nodes[0]!.params['shape'], [28, 28, 1]);
  });
});

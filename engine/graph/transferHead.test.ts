// The editor's validation with the data's class count fits a transfer project's head as a run does:
// the ImageNet template (head "predictions", 10 units) on a 3-class folder is valid, while the same
// graph without transfer.head, or the seed CNN, is refused with the class-count problem naming the head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProject } from './templates.js';
import { validateProject } from './validateProject.js';

const codes = (report: { problems: { code: string; nodeId: string | null }[] }) => report.problems.map((p) => `${p.code}@${p.nodeId}`);

test('a transfer project is checked with its head fitted to the data; without a head it is not', () => {
  const imagenet = createProject('mobilenetv2-imagenet', 'photos');
  const head = imagenet.training.transfer?.head;
  assert.ok(head, 'the ImageNet template names its head');
  const units = imagenet.graph.nodes.find((n) => n.id === head)!.params['units'];
  assert.notEqual(units, 3, 'the template head must not already have 3 units, or this test proves nothing');

  assert.deepEqual(codes(validateProject(imagenet, { classCount: 3 })), []);
  const withoutHead = { ...imagenet, training: { ...imagenet.training, transfer: { ...imagenet.training.transfer!, head: null } } };
  assert.deepEqual(codes(validateProject(withoutHead, { classCount: 3 })), [`class-count-mismatch@${head}`]);
  assert.deepEqual(codes(validateProject(createProject('seed-cnn'), { classCount: 3 })), ['class-count-mismatch@dense2']);
});

test('a transfer head that is not a Dense node is refused with the setting to fix', () => {
  const imagenet = createProject('mobilenetv2-imagenet', 'photos');
  const broken = { ...imagenet, training: { ...imagenet.training, transfer: { ...imagenet.training.transfer!, head: 'no-such-node' } } };
  assert.throws(() => validateProject(broken, { classCount: 3 }), /training\.transfer\.head names "no-such-node", which is not a Dense node/);
});

/**
 * Python identifiers and literals for the generated Keras and PyTorch files
 * (pythonNames.ts): layer names of converted models may hold any character,
 * start with a digit, be a keyword or a name the generated code uses itself,
 * or collide once cleaned; every literal must read back in Python as the
 * value it came from. Checked against Python's own parser by
 * pytorchWriter.test.ts and parity.test.ts; here word for word.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PythonNames, py, pyFloat, pyNumber } from './pythonNames.js';

test('layer names become unique Python identifiers, the same one each time a layer is asked for', () => {
  const names = new PythonNames();
  assert.equal(names.of('conv1'), 'conv1');
  assert.equal(names.of('block/conv.1-a'), 'block_conv_1_a');
  assert.equal(names.of('block_conv_1_a'), 'block_conv_1_a_2', 'a name taken by a cleaned one gets a number');
  assert.equal(names.of('block:conv:1:a'), 'block_conv_1_a_3');
  assert.equal(names.of('block/conv.1-a'), 'block_conv_1_a', 'asked again: the same identifier');
  assert.equal(names.of('2nd'), 'l_2nd', 'an identifier cannot start with a digit');
  assert.equal(names.of('_private'), '_private', 'an underscore may start one');
  assert.equal(names.of('Z9'), 'Z9');
});

test('keywords and the names the generated code uses itself get a trailing underscore', () => {
  const names = new PythonNames();
  for (const word of ['class', 'lambda', 'None', 'True', 'import', 'x', 'w', 'np', 'torch', 'nn', 'F', 'keras', 'layers', 'json', 'struct', 'self']) {
    assert.equal(names.of(word), `${word}_`, word);
  }
  assert.equal(names.of('class_'), 'class__2', 'the escaped name is taken now');
  assert.equal(names.of('classes'), 'classes', 'only whole words are keywords');
  assert.equal(names.of('X'), 'X', 'names are case-sensitive');
});

test('literals: None, booleans, numbers, strings, tuples (a one-element tuple keeps its comma) and dicts', () => {
  assert.equal(py(null), 'None');
  assert.equal(py(undefined), 'None');
  assert.equal(py(true), 'True');
  assert.equal(py(false), 'False');
  assert.equal(py(3), '3');
  assert.equal(py(-0.25), '-0.25');
  assert.equal(py('it said "hi"\n'), '"it said \\"hi\\"\\n"');
  assert.equal(py([]), '()');
  assert.equal(py([7]), '(7,)');
  assert.equal(py([1, [2, 3], 'a']), '(1, (2, 3), "a")');
  assert.equal(py({ a: 1, 'b c': [true, null], d: { e: 'f' } }), '{"a": 1, "b c": (True, None), "d": {"e": "f"}}');
  assert.equal(py({}), '{}');
});

test('numbers keep full precision; infinities are spelled as Python floats; pyFloat keeps integers floats', () => {
  assert.equal(pyNumber(0.1 + 0.2), '0.30000000000000004');
  assert.equal(pyNumber(1e-7), '1e-7');
  assert.equal(pyNumber(Infinity), 'float("inf")');
  assert.equal(pyNumber(-Infinity), '-float("inf")');
  assert.equal(py([-Infinity, Infinity]), '(-float("inf"), float("inf"))');
  assert.equal(pyFloat(1), '1.0');
  assert.equal(pyFloat(-2), '-2.0');
  assert.equal(pyFloat(0), '0.0');
  assert.equal(pyFloat(255), '255.0', 'integers of several digits too');
  assert.equal(pyFloat(-10), '-10.0');
  assert.equal(pyFloat(0.5), '0.5');
  assert.equal(pyFloat(1e21), '1e+21', 'already a float literal in Python');
  assert.equal(pyFloat(Infinity), 'float("inf")');
});

test("every one of Python's own keywords, and every name the generated code uses, is renamed (Python's keyword list, read from /usr/bin/python3)", () => {
  const keywords = JSON.parse(execFileSync('/usr/bin/python3', ['-c', 'import json, keyword; print(json.dumps(keyword.kwlist))'], { encoding: 'utf8' })) as string[];
  assert.ok(keywords.includes('lambda') && keywords.length >= 35, `Python's keyword list: ${keywords.join(' ')}`);
  const ownNames = ['x', 'w', 'np', 'torch', 'nn', 'F', 'keras', 'layers', 'json', 'struct', 'self'];
  for (const word of [...keywords, ...ownNames]) {
    assert.equal(new PythonNames().of(word), `${word}_`, `a layer named "${word}"`);
  }
});

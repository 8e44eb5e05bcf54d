// Module hooks for scripts/subject-deletion.mjs: every import of a subject
// module gets a stand-in whose exports are all "dead": calling, constructing
// or reading a property of any of them throws. The stand-in keeps every
// export name, so a test fails by what it does with the subject, not because
// an import no longer links.
const PREFIX = 'subject-deleted:';
/** @type {Map<string, string[]>} real module URL -> its runtime export names */
let subjects = new Map();

export function initialize(data) {
  subjects = new Map(data.subjects.map((s) => [s.url, s.exports]));
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith(PREFIX)) return { url: specifier, format: 'module', shortCircuit: true };
  const resolved = await nextResolve(specifier, context);
  const url = resolved.url.split('?')[0];
  // A scheme of its own, so tsx (which may run before or after these hooks) never loads the real file.
  if (subjects.has(url)) return { url: PREFIX + url, format: 'module', shortCircuit: true };
  return resolved;
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith(PREFIX)) return nextLoad(url, context);
  const realUrl = url.slice(PREFIX.length);
  return { format: 'module', source: standInSource(realUrl, subjects.get(realUrl) ?? []), shortCircuit: true };
}

function standInSource(realUrl, names) {
  const lines = [
    `const where = ${JSON.stringify(realUrl)};`,
    'function dead(name) {',
    "  const fail = () => { throw new Error(`${name} of ${where} was deleted (subject-deletion check)`); };",
    '  return new Proxy(function deleted() {}, {',
    '    apply: fail,',
    '    construct: fail,',
    // Symbols (util.inspect, Symbol.toPrimitive…) answer undefined so a failure message can still be printed.
    "    get: (_target, key) => (typeof key === 'symbol' ? undefined : fail()),",
    '    set: fail,',
    '    has: fail,',
    '  });',
    '}',
  ];
  for (const name of names) {
    if (name === 'default') lines.push(`export default dead('default');`);
    else lines.push(`export const ${name} = dead(${JSON.stringify(name)});`);
  }
  return lines.join('\n');
}

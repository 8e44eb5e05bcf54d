/**
 * Draws the application icon (resources/icon.png, 1024×1024) with sharp: a
 * stack of feature maps narrowing to a point, the shape of a convnet.
 * electron-builder derives every platform's icon sizes from it.
 * Usage: node --import tsx scripts/make-icon.ts
 */
import sharp from 'sharp';
import { fileURLToPath } from 'node:url';

const SIZE = 1024;
const out = fileURLToPath(new URL('../resources/icon.png', import.meta.url));

const layers = [
  { x: 170, size: 520, color: '#2f6fdb' },
  { x: 390, size: 380, color: '#4b86e8' },
  { x: 570, size: 250, color: '#6fa0f0' },
  { x: 720, size: 130, color: '#9cc0f7' },
];
const maps = layers
  .map(({ x, size, color }) => {
    const y = (SIZE - size) / 2;
    return `<rect x="${x}" y="${y}" width="${size * 0.42}" height="${size}" rx="28" fill="${color}" stroke="#0e2a5c" stroke-width="14" transform="skewY(-8) translate(0 ${x * 0.14})"/>`;
  })
  .join('\n');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">
  <rect x="40" y="40" width="${SIZE - 80}" height="${SIZE - 80}" rx="200" fill="#f4f7fc"/>
  ${maps}
  <circle cx="905" cy="${SIZE / 2 + 40}" r="34" fill="#e8643c" stroke="#0e2a5c" stroke-width="12"/>
</svg>`;

await sharp(Buffer.from(svg)).png().toFile(out);
console.log(`wrote ${out}`);

// Svelte 5 with TypeScript in <script lang="ts"> (stripped by the Vite plugin).
export default {
  compilerOptions: { runes: true },
};

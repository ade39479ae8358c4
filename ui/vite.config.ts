// Two pages, one per Tauri window: `main` loads index.html, `popup` loads
// popup.html. Nothing is inlined, so the app runs under a CSP of
// `default-src 'self'` with no 'unsafe-inline'.
import { resolve } from "node:path";
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Keeps every asset a file of its own; a data: URL would need a CSP exception.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, "index.html"),
        popup: resolve(import.meta.dirname, "popup.html"),
      },
    },
  },
});

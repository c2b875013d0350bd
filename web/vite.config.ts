import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// Build settings (VITE_*) are read from the environment at build time; see src/lib/config.ts.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    // `npm run dev` proxies the API and the SignalR client endpoint to a running standalone host.
    proxy: {
      "/api": "http://127.0.0.1:7071",
      "/client": { target: "http://127.0.0.1:7071", ws: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
  },
});

// ESLint for the web UI (`npm run lint`): the recommended JavaScript and typescript-eslint
// rules, React's rules of hooks, and jsx-a11y's accessibility checks.
import js from "@eslint/js";
import jsxA11y from "eslint-plugin-jsx-a11y";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "src/api/schema.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The rules of hooks; the plugin's React Compiler rules are left out (the UI is not built
    // with the compiler, whose memoization those rules prepare for).
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  jsxA11y.flatConfigs.recommended,
  {
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
    },
  },
  {
    files: ["vite.config.ts", "eslint.config.js", "scripts/**"],
    languageOptions: { globals: { ...globals.node } },
  },
);

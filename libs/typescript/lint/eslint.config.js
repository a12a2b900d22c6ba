// ESLint for every workspace of the SDK, run from libs/typescript by its `npm run lint`.
// No React here: the plain and typescript-eslint recommended rules, without type information
// (tsc already checks types in each workspace's own lint).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Parameters are not checked: a traced function's parameter names are its recorded
      // inputs, used or not. `_`-prefixed variables are deliberately unused.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { args: "none", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      // `self` keeps the caller's `this` for the SDK method a traced wrapper calls later.
      "@typescript-eslint/no-this-alias": ["error", { allowedNames: ["self"] }],
    },
  },
);

import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeControls } from "./escape.js";

test("control characters are written as escapes, the rest is kept", () => {
  assert.equal(escapeControls("a\nb\r\tc\u001b[31m\u202e\ufeffé"), "a\\nb\\r\\tc\\u001b[31m\\u202e\\ufeffé");
});

// A problem with a sweep's input (a grid file, a flag of sweep, advise or worker): one line, exit 2.
import { escapeControls } from "../scenario/quote.js";

export class GridError extends Error {
  override name = "GridError";
  constructor(message: string) {
    super(escapeControls(message));
  }
}

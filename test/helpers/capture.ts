/** A stream a command writes to in-process (stdout, stderr), keeping what it wrote. */
export class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/**
 * Splits an SSE body into whole frames (each ending with its blank line), so a subscriber that joins
 * between two chunks never receives half a frame. Frames are passed on verbatim, bytes as Particle sent
 * them; frames of comment lines only (`:ok`, Particle's keep-alives) are dropped: the hub sends its own.
 */
export class SseFrames {
  private pending = '';

  /** The complete frames `chunk` finishes, in order. */
  push(chunk: string): string[] {
    this.pending += chunk.includes('\r') ? chunk.replace(/\r\n?/g, '\n') : chunk;
    const frames: string[] = [];
    for (;;) {
      const end = this.pending.indexOf('\n\n');
      if (end < 0) break;
      const frame = this.pending.slice(0, end + 2);
      this.pending = this.pending.slice(end + 2);
      if (!isCommentOnly(frame)) frames.push(frame);
    }
    // A body that never ends a frame (not SSE at all) must not grow without bound.
    if (this.pending.length > MAX_FRAME_CHARS) this.pending = '';
    return frames;
  }
}

const MAX_FRAME_CHARS = 1024 * 1024;

function isCommentOnly(frame: string): boolean {
  return frame.split('\n').every((line) => line === '' || line.startsWith(':'));
}

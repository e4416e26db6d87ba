import { describe, expect, it } from 'vitest';
import { SseFrames } from './sse-frames.js';

describe('SseFrames', () => {
  it('passes whole frames verbatim, across chunk boundaries, and drops comment-only frames', () => {
    const frames = new SseFrames();
    expect(frames.push(':ok\n\nevent: temp\ndata: {"data":"2')).toEqual([]);
    expect(frames.push('1"}\n\nevent: hum')).toEqual(['event: temp\ndata: {"data":"21"}\n\n']);
    expect(frames.push('\ndata: {}\n\n:\n\n')).toEqual(['event: hum\ndata: {}\n\n']);
  });

  it('reads CRLF line endings as LF', () => {
    expect(new SseFrames().push('event: a\r\ndata: 1\r\n\r\n')).toEqual(['event: a\ndata: 1\n\n']);
  });

  it('forgets a body that never ends a frame instead of growing', () => {
    const frames = new SseFrames();
    frames.push('x'.repeat(1024 * 1024 + 1));
    expect(frames.push('event: a\ndata: 1\n\n')).toEqual(['event: a\ndata: 1\n\n']);
  });
});

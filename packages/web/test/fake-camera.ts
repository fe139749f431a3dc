import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Turns a screenshot into a video Chromium plays as its camera (--use-file-for-fake-video-capture),
 * with Debian's ffmpeg: the picture centred on a white 640x480 frame, as a phone held up to a
 * webcam fills part of its view, in Y4M (raw 4:2:0 frames, which Chromium reads as they are).
 */
export async function screenshotToY4m(png: string, y4m: string): Promise<void> {
  const frame = 'scale=w=600:h=440:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2:color=white,format=yuv420p';
  try {
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-loop', '1', '-i', png, '-vf', frame, '-frames:v', '10', '-r', '10', y4m]);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? 'ffmpeg is missing: install it (apt-get install ffmpeg), as .ci/run does' : `ffmpeg failed: ${(error as Error).message}`);
  }
}

/** Chromium's flags for a camera that shows this file, allowed without a prompt. */
export function fakeCameraArgs(y4m: string): string[] {
  return ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`];
}

/**
 * Run as a short-lived child process by http/accept-copies.ts. It receives the server's listening
 * socket and sends it back as many times as asked: each copy arrives in the server as a new file
 * descriptor of the same socket, which Node.js 20 offers no other way to make. It never listens or
 * accepts itself; it ends when the server disconnects.
 */
process.on('message', (copies: unknown, socket: unknown) => {
  if (typeof copies !== 'number' || socket === undefined) return;
  // A 'net.Native' handle: sent as is, never wrapped in a net.Server (which would listen here).
  for (let i = 0; i < copies; i++) process.send!(i, socket as never);
});

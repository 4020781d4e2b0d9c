package org.stirshield.agi;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.stirshield.fuzz.Invariant;
import org.stirshield.verify.Reason;

/**
 * The FastAGI request reader: whatever a client sends (the environment block Asterisk would send, mutated) is split
 * by the bounded LineReader, in the chunks a socket would deliver, into an EnvironmentBlock (which never throws: a line
 * or block too long, a malformed or cut-off block is its problem, the call's reason) and turned into CallInputs:
 * never an exception, within bounded time and memory. Seeds: environment blocks as Asterisk 22 sends them (SeedCorpus).
 */
class AgiRequestFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void environmentBlock(byte[] request) {
        Invariant.holds(() -> {
            EnvironmentBlock env = read(request, 1 + (request.length > 0 ? request[0] & 0xff : 0) * 64);
            CallInputs in = CallInputs.from(env);
            in.call().identityHeaders().size();
            if (env.problem() == null && !env.complete()) {
                throw new AssertionError("an environment block that did not end must say why");
            }
        });
    }

    /** Feeds {@code request} as a session does, {@code chunk} bytes per read, then the end of the stream. */
    static EnvironmentBlock read(byte[] request, int chunk) {
        LineReader lines = new LineReader();
        EnvironmentBlock.Reader reader = new EnvironmentBlock.Reader();
        EnvironmentBlock[] done = new EnvironmentBlock[1];
        LineReader.Sink sink = (b, off, len, tooLong) -> {
            if (done[0] == null && reader.line(new String(b, off, len, StandardCharsets.UTF_8), tooLong)) {
                done[0] = reader.complete(lines.bytesRead());
            }
        };
        for (int off = 0; off < request.length && done[0] == null; off += chunk) {
            ByteBuffer bytes = ByteBuffer.wrap(request, off, Math.min(chunk, request.length - off)).slice();
            if (!lines.feed(bytes, sink)) {
                return reader.cutOff(Reason.REQUEST_TOO_LARGE, "session byte limit", true, lines.bytesRead());
            }
        }
        if (done[0] == null) {
            lines.end(sink);
        }
        return done[0] != null ? done[0]
                : reader.cutOff(Reason.INCOMPLETE_REQUEST, "closed before the end", true, lines.bytesRead());
    }
}

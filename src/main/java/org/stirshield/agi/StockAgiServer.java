package org.stirshield.agi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.asteriskjava.fastagi.AgiChannel;
import org.asteriskjava.fastagi.AgiException;
import org.asteriskjava.fastagi.AgiRequest;
import org.asteriskjava.fastagi.AgiScript;
import org.asteriskjava.fastagi.DefaultAgiServer;
import org.stirshield.cert.Deadline;
import org.stirshield.policy.Decision;
import org.stirshield.service.CallScreener;
import org.stirshield.verify.Reason;

/**
 * The reference of the FastAGI benchmark: asterisk-java's stock {@code DefaultAgiServer} (its acceptor
 * thread, its pool of platform threads, its reader and writer, and the {@code SET VARIABLE AJ_AGISTATUS}
 * it sends after every script) serving the same script as {@link AgiServer}: the same environment
 * parsing, the same one {@code GET FULL VARIABLE}, the same screening pipeline, the same {@code EXEC MSet}.
 * Not for production: no deadline watchdog, no bounds, no allow list.
 */
public final class StockAgiServer {
    private StockAgiServer() {
    }

    /** Serves until the process ends (blocks). */
    public static void serve(InetSocketAddress listen, CallScreener screener, Duration decisionDeadline,
            boolean readSipHeaders) throws IOException {
        DefaultAgiServer server = new DefaultAgiServer((AgiScript) (request, channel) ->
                verify(request, channel, screener, decisionDeadline, readSipHeaders));
        server.setAddress(listen.getAddress());
        server.setPort(listen.getPort());
        server.startup();
    }

    private static void verify(AgiRequest request, AgiChannel channel, CallScreener screener, Duration deadlineBudget,
            boolean readSipHeaders) throws AgiException {
        Deadline deadline = Deadline.in(deadlineBudget);
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> e : request.getRequest().entrySet()) {
            lines.add("agi_" + e.getKey() + ": " + e.getValue()); // asterisk-java keeps the names without agi_
        }
        CallInputs in = CallInputs.from(lines);
        boolean readIdentity = !in.identityPassed();
        SipHeaderFetch fetch = SipHeaderFetch.of(readIdentity ? 1 : 0, SipHeaderFetch.IDENTITY_FIRST, readSipHeaders,
                readSipHeaders && !in.callIdPassed(), readSipHeaders && !in.sourcePassed());
        Decision d;
        if (fetch != null) {
            String extra = channel.getFullVariable(fetch.expression());
            Map<SipHeaderFetch.Field, List<String>> values = extra == null ? null
                    : fetch.parse(new String(extra.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
            d = values == null ? screener.decideUnverified(in.call(), Reason.AGI_COMMAND_FAILED, "unreadable reply")
                    : screener.screen(in.with(values, readIdentity).call(), deadline);
        } else {
            d = screener.screen(in.call(), deadline);
        }
        channel.exec("MSet", ChannelVariables.msetArgument(ChannelVariables.of(d)));
    }
}

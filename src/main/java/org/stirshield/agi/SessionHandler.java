package org.stirshield.agi;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.asteriskjava.fastagi.AgiException;
import org.asteriskjava.fastagi.AgiHangupException;
import org.asteriskjava.fastagi.AgiNetworkException;
import org.asteriskjava.fastagi.AgiReader;
import org.asteriskjava.fastagi.AgiRequest;
import org.asteriskjava.fastagi.AgiWriter;
import org.asteriskjava.fastagi.internal.DefaultAgiChannelFactory;
import org.asteriskjava.fastagi.internal.FastAgiConnectionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.cert.Deadline;

/**
 * One FastAGI session on asterisk-java's FastAGI reader and writer, with two departures from its
 * {@code AgiConnectionHandler.run()}: the script comes from an explicit mapping ({@code verify},
 * {@code sign}; asterisk-java's default mapping would instantiate any class named in the AGI URL), and
 * no {@code SET VARIABLE AJ_AGISTATUS} follows the script (one round trip less per call; the dialplan
 * reads STIR_STATUS instead).
 */
final class SessionHandler extends FastAgiConnectionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SessionHandler.class);
    private static final Set<String> UNKNOWN_LOGGED = ConcurrentHashMap.newKeySet();

    private final AgiConnection connection;
    private final Map<String, AgiSession.Script> scripts;
    private final Deadline deadline;
    private final ServerStats stats;

    SessionHandler(AgiConnection connection, Map<String, AgiSession.Script> scripts, Deadline deadline,
            ServerStats stats) {
        // The base class's mapping strategy is never consulted: run() resolves scripts from `scripts`.
        super((request, channel) -> null, connection, new DefaultAgiChannelFactory());
        this.connection = connection;
        this.scripts = scripts;
        this.deadline = deadline;
        this.stats = stats;
    }

    @Override
    public void run() {
        try {
            AgiReader reader = createReader();
            AgiWriter writer = createWriter();
            AgiRequest request = reader.readRequest();
            if (!connection.environmentComplete()) {
                stats.disconnected(connection.timedOut());
                LOG.debug("{}: session ended before the environment block", connection.getRemoteAddress());
                return;
            }
            String name = request.getScript();
            AgiSession.Script script = name == null ? null : scripts.get(name);
            if (script == null) {
                stats.unknownScript.increment();
                String shown = name == null ? "" : ChannelVariables.clean(name);
                if (UNKNOWN_LOGGED.size() < 256 && UNKNOWN_LOGGED.add(shown)) {
                    LOG.warn("FastAGI request for unknown script '{}' (known: {}); closed", shown, scripts.keySet());
                }
                return;
            }
            script.run(new AgiSession(request, connection, deadline, reader, writer));
            stats.completed.increment();
        } catch (AgiHangupException | AgiNetworkException e) {
            stats.disconnected(connection.timedOut());
            LOG.debug("{}: peer went away: {}", connection.getRemoteAddress(), e.getMessage());
        } catch (AgiException e) {
            stats.failed.increment();
            LOG.warn("{}: FastAGI session failed: {}", connection.getRemoteAddress(), e.getMessage());
        } catch (RuntimeException e) {
            stats.failed.increment();
            LOG.error("{}: FastAGI session failed", connection.getRemoteAddress(), e);
        } finally {
            release();
        }
    }
}

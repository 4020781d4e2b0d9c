package org.stirshield.agi;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.verify.Reason;

/**
 * One FastAGI session after its environment block: the script comes from an explicit mapping
 * ({@code verify}, {@code sign}; never a class named in the AGI URL), and every session that sent
 * anything ends answered (when the connection allows) and recorded: a request that could not be read
 * whole, or names no known script, is refused through the {@code verify} script with the reason.
 * A connection that sent nothing at all is no call: it is counted, not recorded.
 */
final class SessionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SessionHandler.class);
    private static final Set<String> UNKNOWN_LOGGED = ConcurrentHashMap.newKeySet();

    private final Map<String, AgiSession.Script> scripts;
    private final AgiSession.Script fallback;
    private final ServerStats stats;

    SessionHandler(Map<String, AgiSession.Script> scripts, AgiSession.Script fallback, ServerStats stats) {
        this.scripts = scripts;
        this.fallback = fallback;
        this.stats = stats;
    }

    /**
     * Starts the session's script once its environment block is in; {@code evicted}: the server closed it to
     * free its slot. The script ends the session. Never throws.
     */
    void handle(AgiSession session, boolean evicted, long ageMillis) {
        EnvironmentBlock env = session.environment;
        if (env.empty()) { // an idle connection, not a call
            if (evicted) {
                stats.evicted.increment();
            } else {
                stats.silent.increment();
            }
            session.finish();
            return;
        }
        String name = env.script();
        AgiSession.Script script = name == null ? null : scripts.get(name);
        Reason problem = env.problem();
        String detail = env.detail();
        if (evicted) {
            stats.evicted.increment();
            problem = Reason.INCOMPLETE_REQUEST;
            detail = "closed after " + ageMillis + " ms without a complete environment block, to free its slot";
        } else if (script == null && problem == null) {
            stats.unknownScript.increment();
            String shown = name == null ? "" : ChannelVariables.clean(name);
            if (UNKNOWN_LOGGED.size() < 256 && UNKNOWN_LOGGED.add(shown)) {
                LOG.warn("FastAGI request for unknown script '{}' (known: {})", shown, scripts.keySet());
            }
            problem = Reason.UNKNOWN_SCRIPT;
            detail = "script '" + shown + "' is not one of " + scripts.keySet();
        }
        try {
            if (problem != null) {
                if (problem == Reason.INCOMPLETE_REQUEST) {
                    stats.disconnected(session.timedOut());
                }
                (script == null ? fallback : script).refuse(session, problem, detail);
            } else {
                script.run(session);
            }
        } catch (RuntimeException | StackOverflowError e) {
            failed(session, e);
        }
    }

    /**
     * A script (or a step of it) threw: the call still gets one record and, if the connection allows, an
     * answer ({@code internal_error}); then the session ends. Never throws.
     */
    void failed(AgiSession session, Throwable e) {
        if (session == null || session.closed()) {
            return;
        }
        stats.failed.increment();
        LOG.error("{}: FastAGI session failed", session.peer, e);
        if (session.decided || session.environment == null) {
            session.finish();
            return;
        }
        session.decided = true;
        try {
            fallback.refuse(session, Reason.INTERNAL_ERROR, "internal error: " + e.getClass().getSimpleName());
        } catch (RuntimeException | StackOverflowError again) {
            LOG.error("{}: cannot refuse the failed session: {}", session.peer, again.toString());
            session.finish();
        }
    }
}

package org.stirshield.agi;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.policy.Decision;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;

/**
 * The {@code verify} script: read the call from the environment block, read what the dialplan did not
 * pass in ONE {@code GET FULL VARIABLE} round trip ({@link SipHeaderFetch}), screen it, and set every
 * result variable with one {@code EXEC MSet}. A call whose request cannot be read whole (too long, cut
 * off, malformed, Asterisk answering a command with an error) is still decided (policy on a FAIL verdict
 * with that reason), answered when the connection allows it, and recorded: exactly one audit record per
 * session that sent anything.
 */
final class VerifyScript implements AgiSession.Script {
    private static final Logger LOG = LoggerFactory.getLogger(VerifyScript.class);

    private final GuardedScreener screener;
    /** Calls that could not be verified: at most 20 log lines per 10 s (a flood of them is in the audit log). */
    private final LogBudget refusedLog = new LogBudget(20, 10, TimeUnit.SECONDS);

    VerifyScript(GuardedScreener screener) {
        this.screener = screener;
    }

    @Override
    public void run(AgiSession session) {
        CallInputs in = CallInputs.from(session.environment);
        boolean readIdentity = !in.identityPassed();
        SipHeaderFetch fetch = SipHeaderFetch.of(readIdentity ? 1 : 0, SipHeaderFetch.IDENTITY_FIRST,
                session.settings.readSipHeaders(), session.settings.readSipHeaders() && !in.callIdPassed(),
                session.settings.readSipHeaders() && !in.sourcePassed());
        if (fetch == null) {
            decide(session, in);
        } else {
            fetch(session, fetch, in, readIdentity, true);
        }
    }

    /**
     * One GET FULL VARIABLE round trip, then the call's decision; {@code first}: the round trip that reads
     * everything, after which a call with more Identity headers than it reads gets one more for the rest.
     */
    private void fetch(AgiSession session, SipHeaderFetch fetch, CallInputs in, boolean readIdentity, boolean first) {
        session.send(fetch.command(), true, (reply, failure) -> {
            Fetched f = fetched(session, fetch, in.call(), reply, failure);
            if (f.failure != null) {
                refuse(session, in.call(), f.failure, f.detail, f.writable, session::complete);
                return;
            }
            CallInputs next = in.with(f.values, first ? readIdentity : true);
            if (first && readIdentity && next.call().identityHeaders().size() == SipHeaderFetch.IDENTITY_FIRST) {
                // the call carries more Identity headers than the first round trip reads: one more for the rest
                fetch(session, SipHeaderFetch.of(SipHeaderFetch.IDENTITY_FIRST + 1, CallInputs.MAX_IDENTITY_HEADERS,
                        false, false, false), next, true, false);
            } else {
                decide(session, next);
            }
        });
    }

    private void decide(AgiSession session, CallInputs in) {
        session.decided = true;
        screener.screen(session, in.call(), decision -> answer(session, decision));
    }

    /** What one fetch brought, or why it failed. */
    private record Fetched(Map<SipHeaderFetch.Field, List<String>> values, Reason failure, String detail, boolean writable) {
    }

    private static Fetched fetched(AgiSession session, SipHeaderFetch fetch, CallAttempt call, AgiReply r,
            IOException failure) {
        if (failure != null) {
            return new Fetched(null, Reason.AGI_COMMAND_FAILED, "no reply to GET FULL VARIABLE: " + failure.getMessage(),
                    false);
        }
        if (!r.ok()) {
            LOG.warn("call {}: GET FULL VARIABLE answered with {}", call.callId(), r.describe());
            return new Fetched(null, r.kind() == AgiReply.Kind.TOO_LONG ? Reason.HEADER_TOO_LARGE : Reason.AGI_COMMAND_FAILED,
                    "GET FULL VARIABLE: " + r.describe(), true);
        }
        Map<SipHeaderFetch.Field, List<String>> values = fetch.parse(r.extra());
        if (values == null) {
            session.stats.commandErrors.increment();
            LOG.warn("call {}: GET FULL VARIABLE reply does not hold the {} length-prefixed values asked for",
                    call.callId(), fetch.size());
            return new Fetched(null, Reason.AGI_COMMAND_FAILED, "GET FULL VARIABLE reply is not the "
                    + fetch.size() + " length-prefixed values asked for", true);
        }
        return new Fetched(values, null, null, true);
    }

    @Override
    public void refuse(AgiSession session, Reason problem, String detail) {
        refuse(session, CallInputs.from(session.environment).call(), problem, detail, session.environment.writable(),
                session::finish);
    }

    /** Decides and records a call that cannot be verified, answers it if the connection allows, then {@code end}. */
    private void refuse(AgiSession session, CallAttempt call, Reason problem, String detail, boolean writable,
            Runnable end) {
        session.stats.unverifiable.increment();
        session.decided = true;
        Decision d = screener.unverified(call, problem, detail);
        long left = refusedLog.take();
        if (left >= 0) {
            LOG.info("call {} ({} -> {}): {} ({}): answered {} {}{}", call.callId(), call.callerTn(), call.calledTn(),
                    problem.code(), detail, d.status(), d.action() == null ? "" : d.action().token(),
                    left == 0 ? "" : " (" + left + " such lines left out before this one; every call is in the audit log)");
        }
        if (!writable) {
            end.run();
            return;
        }
        answer(session, d, end, end); // the call is on record; whether Asterisk took the answer changes no count
    }

    /** Sends the decision; the session is complete once Asterisk took it, lost if Asterisk went away. */
    private static void answer(AgiSession session, Decision decision) {
        answer(session, decision, session::complete, session::lost);
    }

    /** Sends the decision's variables in one EXEC MSet, then {@code taken} (a reply came) or {@code lost} (none). */
    private static void answer(AgiSession session, Decision decision, Runnable taken, Runnable lost) {
        String callId = decision.call().callId();
        session.send(ChannelVariables.msetCommand(ChannelVariables.of(decision)), false, (reply, failure) -> {
            if (failure != null) {
                LOG.debug("call {}: no reply to the answer: {}", callId, failure.getMessage());
                lost.run();
                return;
            }
            if (!reply.ok()) {
                LOG.warn("call {}: Asterisk did not take the variables: {}", callId, reply.describe());
            }
            taken.run();
        });
    }
}

package org.stirshield.agi;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.sign.OutboundSigner;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;

/**
 * The {@code sign} script, for calls this PBX originates (the authentication side, RFC 8224 §5):
 * {@code AGI(agi://127.0.0.1:4573/sign)} with the same inputs as {@code verify} (agi_callerid,
 * agi_dnid/agi_extension, {@code caller=}/{@code called=} overrides). It sets {@code STIR_IDENTITY} to the
 * Identity header value (the dialplan adds it with {@code PJSIP_HEADER(add,Identity)}) and
 * {@code STIR_SIGN_STATUS} to OK; FAIL with STIR_REASON {@code invalid_tn} when a number cannot be
 * canonicalized, or the request's problem ({@code header_too_large}, {@code incomplete_request} …);
 * UNSUPPORTED with STIR_REASON {@code signing_not_configured} without a {@code signing:} key. The header
 * (about 500 characters) goes by SET VARIABLE: MSet values are cut at {@link ChannelVariables#MAX_VALUE}.
 */
final class SignScript implements AgiSession.Script {
    private static final Logger LOG = LoggerFactory.getLogger(SignScript.class);

    private final OutboundSigner signer;

    SignScript(OutboundSigner signer) {
        this.signer = signer;
    }

    @Override
    public void run(AgiSession session) {
        Map<String, String> vars = new LinkedHashMap<>();
        if (signer == null) {
            vars.put("STIR_SIGN_STATUS", "UNSUPPORTED");
            vars.put("STIR_REASON", "signing_not_configured");
            answer(session, vars);
            return;
        }
        CallAttempt call = CallInputs.from(session.environment).call();
        String identity;
        try {
            identity = signer.identityHeader(call.callerTn(), call.calledTn(), Instant.now());
        } catch (IllegalArgumentException e) {
            vars.put("STIR_SIGN_STATUS", "FAIL");
            vars.put("STIR_REASON", "invalid_tn");
            answer(session, vars);
            return;
        }
        session.send("SET VARIABLE STIR_IDENTITY " + ChannelVariables.quoted(identity), false, (r, failure) -> {
            if (failure != null) {
                session.lost();
                return;
            }
            vars.put("STIR_SIGN_STATUS", r.ok() ? "OK" : "FAIL");
            vars.put("STIR_REASON", r.ok() ? "" : Reason.AGI_COMMAND_FAILED.code());
            answer(session, vars);
        });
    }

    private static void answer(AgiSession session, Map<String, String> vars) {
        session.send(ChannelVariables.msetCommand(vars), false, (r, failure) -> {
            if (failure != null) {
                session.lost();
            } else {
                session.complete();
            }
        });
    }

    @Override
    public void refuse(AgiSession session, Reason problem, String detail) {
        session.stats.unverifiable.increment();
        LOG.info("sign request: {} ({})", problem.code(), detail);
        if (!session.environment.writable()) {
            session.finish();
            return;
        }
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("STIR_SIGN_STATUS", "FAIL");
        vars.put("STIR_REASON", problem.code());
        session.send(ChannelVariables.msetCommand(vars), false, (r, failure) -> {
            if (failure != null) {
                LOG.debug("sign request: could not answer: {}", failure.getMessage());
            }
            session.finish();
        });
    }
}

package org.stirshield.agi;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.asteriskjava.fastagi.AgiException;
import org.asteriskjava.fastagi.command.ExecCommand;
import org.asteriskjava.fastagi.command.SetVariableCommand;
import org.stirshield.sign.OutboundSigner;
import org.stirshield.verify.CallAttempt;

/**
 * The {@code sign} script, for calls this PBX originates (the authentication side, RFC 8224 §5):
 * {@code AGI(agi://127.0.0.1:4573/sign)} with the same inputs as {@code verify} (agi_callerid,
 * agi_dnid/agi_extension, {@code caller=}/{@code called=} overrides). It sets {@code STIR_IDENTITY} to the
 * Identity header value (the dialplan adds it with {@code PJSIP_HEADER(add,Identity)}) and
 * {@code STIR_SIGN_STATUS} to OK; FAIL with STIR_REASON {@code invalid_tn} when a number cannot be
 * canonicalized; UNSUPPORTED with STIR_REASON {@code signing_not_configured} without a {@code signing:}
 * key. The header (about 500 characters) goes by SET VARIABLE: MSet values are cut at
 * {@link ChannelVariables#MAX_VALUE}.
 */
final class SignScript implements AgiSession.Script {
    private final OutboundSigner signer;

    SignScript(OutboundSigner signer) {
        this.signer = signer;
    }

    @Override
    public void run(AgiSession session) throws AgiException {
        Map<String, String> vars = new LinkedHashMap<>();
        if (signer == null) {
            vars.put("STIR_SIGN_STATUS", "UNSUPPORTED");
            vars.put("STIR_REASON", "signing_not_configured");
        } else {
            CallAttempt call = CallInputs.from(session.connection.environment()).call();
            try {
                String identity = signer.identityHeader(call.callerTn(), call.calledTn(), Instant.now());
                session.send(new SetVariableCommand("STIR_IDENTITY", identity));
                vars.put("STIR_SIGN_STATUS", "OK");
                vars.put("STIR_REASON", "");
            } catch (IllegalArgumentException e) {
                vars.put("STIR_SIGN_STATUS", "FAIL");
                vars.put("STIR_REASON", "invalid_tn");
            }
        }
        session.send(new ExecCommand("MSet", ChannelVariables.msetArgument(vars)));
    }
}

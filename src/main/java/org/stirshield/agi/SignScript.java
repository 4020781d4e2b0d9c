package org.stirshield.agi;

import java.util.LinkedHashMap;
import java.util.Map;
import org.asteriskjava.fastagi.AgiException;
import org.asteriskjava.fastagi.command.ExecCommand;

/**
 * The {@code sign} script (outbound attestation) is reserved but not built: it answers, in one round
 * trip, STIR_SIGN_STATUS=UNSUPPORTED and STIR_REASON=signing_not_supported, so a dialplan that calls it
 * sees a clear failure rather than an empty variable.
 */
final class SignScript implements AgiSession.Script {
    @Override
    public void run(AgiSession session) throws AgiException {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("STIR_SIGN_STATUS", "UNSUPPORTED");
        vars.put("STIR_REASON", "signing_not_supported");
        session.send(new ExecCommand("MSet", ChannelVariables.msetArgument(vars)));
    }
}

package org.stirshield.agi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.asteriskjava.fastagi.AgiException;
import org.asteriskjava.fastagi.command.ExecCommand;
import org.asteriskjava.fastagi.command.GetFullVariableCommand;
import org.asteriskjava.fastagi.reply.AgiReply;

/**
 * The {@code verify} script: read the call from the environment block (and, only when the dialplan
 * passed no Identity argument, the Identity headers with GET FULL VARIABLE, which unlike GET VARIABLE
 * is not cut at 1,024 bytes), screen it, and set every result variable with one {@code EXEC MSet}.
 * With the recommended dialplan that is one round trip per call.
 */
final class VerifyScript implements AgiSession.Script {
    private final GuardedScreener screener;

    VerifyScript(GuardedScreener screener) {
        this.screener = screener;
    }

    @Override
    public void run(AgiSession session) throws AgiException {
        CallInputs in = CallInputs.from(session.connection.environment());
        if (in.fetchIdentity()) {
            in = in.withIdentity(readIdentityHeaders(session));
        }
        screener.screen(in.call(), session.deadline, (decision, late) -> {
            Map<String, String> vars = ChannelVariables.of(decision);
            try {
                session.send(new ExecCommand("MSet", ChannelVariables.msetArgument(vars)));
            } finally {
                if (late) {
                    session.connection.closeQuietly(); // end the AGI: the dialplan goes on
                }
            }
        });
    }

    /** {@code ${PJSIP_HEADER(read,Identity)}}, then {@code ,2}, {@code ,3} … while present (bounded). */
    static List<String> readIdentityHeaders(AgiSession session) throws AgiException {
        List<String> headers = new ArrayList<>();
        for (int i = 1; i <= CallInputs.MAX_IDENTITY_HEADERS; i++) {
            String expr = i == 1 ? "${PJSIP_HEADER(read,Identity)}" : "${PJSIP_HEADER(read,Identity," + i + ")}";
            AgiReply reply = session.send(new GetFullVariableCommand(expr));
            String value = reply.getResultCode() == 1 ? reply.getExtra() : null;
            if (value == null || value.isBlank()) {
                break;
            }
            headers.add(value.strip());
        }
        return headers;
    }
}

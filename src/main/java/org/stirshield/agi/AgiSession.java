package org.stirshield.agi;

import org.asteriskjava.fastagi.AgiException;
import org.asteriskjava.fastagi.AgiHangupException;
import org.asteriskjava.fastagi.AgiReader;
import org.asteriskjava.fastagi.AgiRequest;
import org.asteriskjava.fastagi.AgiWriter;
import org.asteriskjava.fastagi.InvalidCommandSyntaxException;
import org.asteriskjava.fastagi.InvalidOrUnknownCommandException;
import org.asteriskjava.fastagi.command.AgiCommand;
import org.asteriskjava.fastagi.reply.AgiReply;
import org.stirshield.cert.Deadline;

/**
 * One FastAGI session as a script sees it: the request asterisk-java parsed, the raw environment block,
 * the call's deadline, and a command/reply exchange on asterisk-java's reader and writer. (Not
 * asterisk-java's {@code AgiChannelImpl}: its {@code sendCommand} is {@code synchronized} around socket
 * I/O, which pins a virtual thread's carrier on Java 21.)
 */
final class AgiSession {
    final AgiRequest request;
    final AgiConnection connection;
    final Deadline deadline;
    private final AgiReader reader;
    private final AgiWriter writer;

    AgiSession(AgiRequest request, AgiConnection connection, Deadline deadline, AgiReader reader, AgiWriter writer) {
        this.request = request;
        this.connection = connection;
        this.deadline = deadline;
        this.reader = reader;
        this.writer = writer;
    }

    AgiReply send(AgiCommand command) throws AgiException {
        writer.sendCommand(command);
        AgiReply reply = reader.readReply();
        switch (reply.getStatus()) {
            case AgiReply.SC_INVALID_OR_UNKNOWN_COMMAND -> throw new InvalidOrUnknownCommandException(command.buildCommand());
            case AgiReply.SC_DEAD_CHANNEL -> throw new AgiHangupException();
            case AgiReply.SC_INVALID_COMMAND_SYNTAX -> throw new InvalidCommandSyntaxException(reply.getSynopsis(), reply.getUsage());
            default -> {
                return reply;
            }
        }
    }

    /** One script of the explicit mapping ({@code verify}, {@code sign}). */
    @FunctionalInterface
    interface Script {
        void run(AgiSession session) throws AgiException;
    }
}

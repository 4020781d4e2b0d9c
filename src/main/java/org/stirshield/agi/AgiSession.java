package org.stirshield.agi;

import java.io.IOException;
import org.stirshield.cert.Deadline;

/**
 * One FastAGI session as a script sees it: the environment block, the call's deadline, the server thread
 * it runs on, and a command/reply exchange with Asterisk.
 */
final class AgiSession {
    final EnvironmentBlock environment;
    final AgiConnection connection;
    final Deadline deadline;
    final Worker worker;
    final ServerSettings settings;
    final ServerStats stats;
    /** Whether the call has been handed to the screener (which records it): no second record after that. */
    boolean decided;

    AgiSession(EnvironmentBlock environment, AgiConnection connection, Deadline deadline, Worker worker,
            ServerSettings settings, ServerStats stats) {
        this.environment = environment;
        this.connection = connection;
        this.deadline = deadline;
        this.worker = worker;
        this.settings = settings;
        this.stats = stats;
    }

    /**
     * Sends one command and reads Asterisk's reply; {@code bytes}: keep the reply one character per byte.
     *
     * @throws IOException when the connection fails or closes before the reply
     */
    AgiReply send(String command, boolean bytes) throws IOException {
        connection.writeLine(command);
        AgiReply r = AgiReply.read(connection, bytes);
        if (!r.ok()) {
            stats.commandErrors.increment();
        }
        return r;
    }

    /** One script of the explicit mapping ({@code verify}, {@code sign}). */
    interface Script {
        void run(AgiSession session) throws IOException;

        /**
         * Answers a session whose request could not be read or names no known script ({@code problem}), as
         * far as the connection allows, and records it. Never throws.
         */
        void refuse(AgiSession session, org.stirshield.verify.Reason problem, String detail);
    }
}

package org.stirshield.cli;

import org.stirshield.audit.LogFormat;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./stirshield <command>}: the StirShield command line. */
@Command(
        name = "stirshield",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "STIR/SHAKEN caller-ID verification for Asterisk.",
        subcommands = {
            VerifyCommand.class,
            ServeCommand.class,
            CallCommand.class,
            CheckConfigCommand.class,
            ReportCommand.class,
            SignCommand.class,
            PkiCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Before anything touches java.net.http: the x5u fetcher pins DNS by connecting to the checked IP
        // literal and names the host in the Host header, a header java.net.http otherwise restricts.
        if (System.getProperty("jdk.httpclient.allowRestrictedHeaders") == null) {
            System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
        }
        try {
            LogFormat.from(null).apply(); // STIRSHIELD_LOG_FORMAT; serve applies logging.format of its config
        } catch (IllegalArgumentException e) {
            System.err.println("stirshield: " + e.getMessage());
            System.exit(2);
        }
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("stirshield: " + ex.getMessage());
            return 2;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"stirshield " + (v == null ? "dev" : v)};
        }
    }
}

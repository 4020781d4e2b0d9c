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
            BenchCommand.class,
            ReferenceServerCommand.class,
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
        // serve is the command whose start-up counts (a restarted server must rejoin at once): its own model
        // only, not the model of every command and option (about a third of a second on a small machine)
        boolean serve = args.length > 0 && args[0].equals("serve");
        ServeCommand plain = serve ? ServeCommand.parsePlain(java.util.Arrays.copyOfRange(args, 1, args.length)) : null;
        if (plain != null) { // no picocli model at all for a plain serve command line
            try {
                return plain.call();
            } catch (Exception ex) {
                System.err.println("stirshield serve: " + describe(ex)); // as the execution exception handler below
                System.err.flush();
                return 2;
            }
        }
        CommandLine cl = serve ? new CommandLine(new ServeCommand()).setCommandName("stirshield serve")
                : new CommandLine(new Main());
        // A usage error: its one line, a suggestion for a mistyped option or command, and how to get help;
        // never the whole help text.
        cl.setParameterExceptionHandler((ex, arguments) -> {
            CommandLine c = ex.getCommandLine();
            java.io.PrintWriter err = c.getErr();
            err.println(c.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return 2;
        });
        // A failure while running: what failed and why (a missing file names its absolute path), no stack trace.
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + describe(ex));
            commandLine.getErr().flush();
            return 2;
        });
        return cl.execute(serve ? java.util.Arrays.copyOfRange(args, 1, args.length) : args);
    }

    /** An exception as one line that says what failed, where and why. */
    static String describe(Throwable ex) {
        if (ex instanceof java.nio.file.FileSystemException fse && fse.getFile() != null) {
            String file = java.nio.file.Path.of(fse.getFile()).toAbsolutePath().normalize().toString();
            return file + ": " + org.stirshield.config.ConfigValues.why(fse);
        }
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.getClass().getSimpleName() : m;
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

package org.stirshield.cli;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.stirshield.audit.LogFormat;
import org.stirshield.config.ConfigValues;
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
            FloorServerCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("serve")) {
            StartupPreload.start(); // on the second core while this thread sets up logging and reads the config
        }
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

    /**
     * An exception as one line that says what failed, where and why: the one place a file error (no such file,
     * permission denied, ...) becomes {@code ABSOLUTE_PATH: why}, wherever in the cause chain it is.
     */
    static String describe(Throwable ex) {
        if (ex instanceof FileError) {
            return ex.getMessage();
        }
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof FileSystemException fse && fse.getFile() != null) {
                return absolute(Path.of(fse.getFile())) + ": " + ConfigValues.why(fse);
            }
            if (t.getMessage() != null && (t.getCause() == null || !t.getMessage().equals(t.getCause().toString()))) {
                break; // a message of its own (which says what and where): that one
            }
        }
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.getClass().getSimpleName() : m;
    }

    private static Path absolute(Path p) {
        return p.toAbsolutePath().normalize();
    }

    /**
     * A file named on the command line that cannot be used, as one line: {@code OPTION ABSOLUTE_PATH: why}
     * (e.g. {@code --crl /home/op/nocrl.der: no such file or directory}; an option ending in {@code =}, such as
     * {@code --x5u URL=}, is followed by the path directly). Printed without the usage hint (the
     * command line was well formed), exit 2.
     */
    static final class FileError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FileError(String option, Path file, String why) {
            super((option == null ? "" : option.endsWith("=") ? option : option + " ") + absolute(file) + ": " + why);
        }

        FileError(String option, Path file, IOException cause) {
            this(option, file, ConfigValues.why(cause));
        }
    }

    /**
     * {@code file} as an absolute path, after checking that it is a readable regular file.
     *
     * @param option the option (or argument name) that named it, for the message
     * @throws FileError saying which file and why it cannot be read
     */
    static Path readableFile(String option, Path file) {
        Path abs = absolute(file);
        if (Files.isDirectory(abs)) {
            throw new FileError(option, abs, "is a directory, not a file");
        }
        try (var c = Files.newByteChannel(abs)) {
            return abs; // opened for reading: it exists and may be read
        } catch (IOException e) {
            throw new FileError(option, abs, e);
        }
    }

    /** {@code path} as an absolute path, after checking that it exists (a file or a directory). */
    static Path existing(String option, Path path) {
        Path abs = absolute(path);
        if (!Files.exists(abs)) {
            throw new FileError(option, abs, "no such file or directory");
        }
        return abs;
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

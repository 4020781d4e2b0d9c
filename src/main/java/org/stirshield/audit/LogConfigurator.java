package org.stirshield.audit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The application log's set-up, in code (found by logback through {@code META-INF/services}): one console appender
 * on standard error (standard output belongs to command output: JSON for {@code verify}, reports) in the text
 * format, root level {@code STIRSHIELD_LOG_LEVEL} (default INFO), asterisk-java at WARN. {@link LogFormat} switches
 * the format to JSON lines ({@code logging.format}, {@code STIRSHIELD_LOG_FORMAT}). Configuring in code instead of a
 * {@code logback.xml} keeps logback's XML machinery (Joran) off the start-up path, about a quarter of a second. An
 * operator's own file given with {@code -Dlogback.configurationFile=FILE} (in {@code STIRSHIELD_JAVA_OPTS}) still
 * takes over.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    /** The root level when {@code STIRSHIELD_LOG_LEVEL} is unset or not a level name. */
    static final Level DEFAULT_LEVEL = Level.INFO;

    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY; // the operator's file, read by logback's own configurator
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(LogFormat.TEXT_PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(ctx);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        ctx.getLogger("org.asteriskjava").setLevel(Level.WARN);
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(System.getenv("STIRSHIELD_LOG_LEVEL")));
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The root level {@code STIRSHIELD_LOG_LEVEL} names (case-insensitive), else INFO. */
    static Level level(String env) {
        return env == null || env.isBlank() ? DEFAULT_LEVEL : Level.toLevel(env.trim(), DEFAULT_LEVEL);
    }
}

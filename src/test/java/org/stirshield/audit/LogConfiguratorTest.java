package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The application log set up in code (no logback.xml): stderr, the text pattern, the level, asterisk-java at WARN. */
class LogConfiguratorTest {

    @Test
    void logbackFindsTheConfigurationInCode() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        ConsoleAppender<ILoggingEvent> stderr = (ConsoleAppender<ILoggingEvent>) root.getAppender("STDERR");
        assertNotNull(stderr, "the console appender of LogConfigurator");
        assertEquals("System.err", stderr.getTarget());
        assertEquals(Level.WARN, ctx.getLogger("org.asteriskjava").getLevel());
        assertEquals(LogConfigurator.level(System.getenv("STIRSHIELD_LOG_LEVEL")), root.getLevel());
    }

    @Test
    void theLevelComesFromTheEnvironmentElseInfo() {
        assertEquals(Level.INFO, LogConfigurator.level(null));
        assertEquals(Level.INFO, LogConfigurator.level(" "));
        assertEquals(Level.DEBUG, LogConfigurator.level("debug"));
        assertEquals(Level.WARN, LogConfigurator.level("WARN "));
        assertEquals(Level.INFO, LogConfigurator.level("loud"));
    }

    @Test
    void theFormatSwitchesBetweenJsonAndText() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ConsoleAppender<ILoggingEvent> stderr =
                (ConsoleAppender<ILoggingEvent>) ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        try {
            LogFormat.JSON.apply();
            assertInstanceOf(JsonLogEncoder.class, stderr.getEncoder());
        } finally {
            LogFormat.TEXT.apply();
        }
        PatternLayoutEncoder text = assertInstanceOf(PatternLayoutEncoder.class, stderr.getEncoder());
        assertTrue(text.getPattern().equals(LogFormat.TEXT_PATTERN));
    }
}

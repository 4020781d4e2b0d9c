package org.stirshield.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** The log lines one class writes while a test runs (logback's in-memory appender on its logger). */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture(Class<?> of) {
        logger = (Logger) LoggerFactory.getLogger(of);
        appender.start();
        logger.addAppender(appender);
    }

    public static LogCapture of(Class<?> loggingClass) {
        return new LogCapture(loggingClass);
    }

    /** The formatted messages at {@code level} (ERROR, WARN, INFO ...) so far. */
    public List<String> at(String level) {
        synchronized (appender) {
            return appender.list.stream().filter(e -> e.getLevel().toString().equals(level))
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}

package dev.shufflespark.job.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * The messages that loggers under a name log at a level or above in this JVM, while it is open (the tests'
 * logging configuration keeps them quiet otherwise); closing puts the configuration back.
 */
public final class LogCapture implements AutoCloseable {

    private final String logger;
    private final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    private final AbstractAppender appender;
    private final LoggerContext context;

    private LogCapture(String logger, Level level) {
        this.logger = logger;
        this.context = (LoggerContext) LogManager.getContext(false);
        this.appender = new AbstractAppender("capture-" + logger, null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                messages.add(event.getLevel() + " " + event.getLoggerName() + ": "
                        + event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        Configuration config = context.getConfiguration();
        config.addAppender(appender);
        LoggerConfig lc = new LoggerConfig(logger, level, false);
        lc.addAppender(appender, level, null);
        config.addLogger(logger, lc);
        context.updateLoggers();
    }

    /** Captures what loggers named {@code logger} or below log at {@code level} or above. */
    public static LogCapture of(String logger, Level level) {
        return new LogCapture(logger, level);
    }

    public List<String> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        config.removeLogger(logger);
        context.updateLoggers();
        appender.stop();
    }
}

package org.stirshield.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being built. */
@Command(name = "report", description = "(being built)")
final class ReportCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("stirshield report: not built yet");
        return 2;
    }
}

package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders the HTML report in headless Chromium (Debian package {@code chromium}; skipped when it is not on
 * PATH) and checks what a person would see: a non-blank screenshot with the chart colours, and the chart SVGs
 * in the DOM. Only file:// is loaded and background networking is off.
 */
class HtmlReportChromiumTest {
    @TempDir
    static Path dir;
    static Path chromium;
    static Path page;
    static SampleAudit.Written written;
    static Path png;
    static String dom;

    @BeforeAll
    static void render() throws IOException {
        chromium = onPath("chromium");
        if (chromium == null) {
            chromium = onPath("chromium-browser");
        }
        if (chromium == null) {
            return;
        }
        Path log = dir.resolve("audit.jsonl");
        written = SampleAudit.write(log, 3000, 11);
        StringWriter html = new StringWriter();
        AuditReport.write(List.of(log), null, null, AuditReport.Format.HTML, 20, html);
        page = dir.resolve("report.html");
        Files.writeString(page, html.toString(), StandardCharsets.UTF_8);
        // one browser run gives both the screenshot and the DOM (each launch costs seconds on a busy machine)
        png = dir.resolve("report.png");
        try {
            dom = run("--screenshot=" + png, "--dump-dom", "--window-size=1200,1600", page.toUri().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Test
    void screenshotIsNotBlankAndShowsTheChartColours() throws Exception {
        assumeTrue(chromium != null, "chromium not on PATH (CI installs it: apt-get install -y chromium)");
        assertTrue(Files.size(png) > 10_000, "screenshot written");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1200, img.getWidth());
        long nonWhite = 0;
        long red = 0;
        long green = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                int r = rgb >> 16;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (r < 235 || g < 235 || b < 235) {
                    nonWhite++;
                }
                if (near(rgb, 0xc62828)) {
                    red++; // failed calls in the stacked bars, spoofed-number bars
                }
                if (near(rgb, 0x2e7d32)) {
                    green++; // verified calls
                }
            }
        }
        long pixels = (long) img.getWidth() * img.getHeight();
        assertTrue(nonWhite > pixels / 10, "page is not blank: " + nonWhite + " of " + pixels);
        assertTrue(red > 5_000, "red bars visible: " + red);
        assertTrue(green > 1_000, "green bars visible: " + green);
    }

    @Test
    void domHoldsTheChartSvgsWithOneBarPerCount() throws Exception {
        assumeTrue(chromium != null, "chromium not on PATH (CI installs it: apt-get install -y chromium)");
        assertTrue(dom.contains("<svg id=\"chart-per-hour\""), "per-hour chart in the DOM");
        assertTrue(dom.contains("<svg id=\"chart-spoofed\""), "spoofed-numbers chart in the DOM");
        // the spoofed chart has one bar per protected number that was spoofed
        String spoofed = dom.substring(dom.indexOf("<svg id=\"chart-spoofed\""));
        spoofed = spoofed.substring(0, spoofed.indexOf("</svg>"));
        long spoofedNumbers = java.util.Arrays.stream(written.spoofedByNumber).filter(n -> n > 0).count();
        assertEquals(spoofedNumbers, count(spoofed, "<rect"));
        // the per-hour chart's bar titles add up to all calls
        String perHour = dom.substring(dom.indexOf("<svg id=\"chart-per-hour\""));
        perHour = perHour.substring(0, perHour.indexOf("</svg>"));
        Matcher m = Pattern.compile("<title>[^<]* UTC: ([\\d,]+) ").matcher(perHour);
        long sum = 0;
        while (m.find()) {
            sum += Long.parseLong(m.group(1).replace(",", ""));
        }
        assertEquals(written.total, sum);
    }

    private static boolean near(int rgb, int want) {
        return Math.abs((rgb >> 16) - (want >> 16)) < 12 && Math.abs(((rgb >> 8) & 0xff) - ((want >> 8) & 0xff)) < 12
                && Math.abs((rgb & 0xff) - (want & 0xff)) < 12;
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** Runs headless Chromium with no network features; returns stdout. */
    private static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--user-data-dir=" + Files.createTempDirectory(dir, "profile")));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "chromium", ".out");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s");
        }
        assertEquals(0, p.exitValue(), "chromium exit status");
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}

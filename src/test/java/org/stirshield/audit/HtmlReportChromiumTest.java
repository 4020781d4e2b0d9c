package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.policy.Decision;
import org.stirshield.testing.Tools;
import org.stirshield.verify.Reason;

/**
 * Renders the HTML report in headless Chromium (Debian package {@code chromium}; skipped when it is not on
 * PATH, but failed in CI, which installs it: {@link Tools#require}) and checks what a person would see: a small report (a day of traffic)
 * and a large one (ten days, hundreds of numbers, dozens of agencies and trunks with long and CJK names, long
 * hostile Call-IDs). Each gives a screenshot (kept in {@code target/report-screenshots/}) that must show the
 * chart colours, and a script added to a copy of the page measures, with every drill-down opened, that no
 * element sticks out of its card and the page is no wider than the window. Only file:// is loaded and
 * background networking is off.
 */
class HtmlReportChromiumTest {
    /** Finds the elements wider than their card (or the page wider than the window); writes them into the DOM. */
    private static final String OVERFLOW_CHECK = """
            <script>(function(){
              var bad=[];
              function check(){
                document.querySelectorAll('.card,.kpi').forEach(function(card){
                  var r=card.getBoundingClientRect();
                  card.querySelectorAll('*').forEach(function(el){
                    var q=el.getBoundingClientRect();
                    if(q.width===0&&q.height===0)return;
                    if(q.right>r.right+1||q.left<r.left-1){
                      bad.push((el.id||el.tagName)+' ['+Math.round(q.left)+','+Math.round(q.right)+'] in '
                        +(card.querySelector('h2,.label')||card).textContent.slice(0,40)
                        +' ['+Math.round(r.left)+','+Math.round(r.right)+']: '+(el.textContent||'').slice(0,40));
                    }
                  });
                });
                if(document.documentElement.scrollWidth>window.innerWidth+1){
                  bad.push('page '+document.documentElement.scrollWidth+' wider than window '+window.innerWidth);
                }
              }
              check();
              var details=document.querySelectorAll('details');
              details.forEach(function(d){d.open=true;});
              check();
              details.forEach(function(d){d.open=false;});
              var pre=document.createElement('pre');
              pre.id='overflow-report';
              pre.textContent='checked '+details.length+' drill-downs; overflow: '+JSON.stringify(bad.slice(0,20));
              document.body.appendChild(pre);
            })();</script>
            """;

    @TempDir
    static Path dir;
    static Path chromium;
    static SampleAudit.Written small;
    static Rendered smallPage;
    static Rendered largePage;
    static int largeSpoofedNumbers;

    /** One report as Chromium showed it. */
    record Rendered(String html, Path png, String dom) {
    }

    @BeforeAll
    static void render() throws Exception {
        chromium = Tools.onPath("chromium", "chromium-browser");
        if (chromium == null) {
            return; // each test then skips, or fails in CI (Tools.require)
        }
        Path smallLog = dir.resolve("small.jsonl");
        small = SampleAudit.write(smallLog, 3000, 11);
        smallPage = render("small", smallLog, ZoneId.of("UTC"), 1200, 2600);
        Path largeLog = dir.resolve("large.jsonl");
        largeSpoofedNumbers = writeLarge(largeLog, 20_000, 5);
        largePage = render("large", largeLog, ZoneId.of("Asia/Shanghai"), 900, 4000);
    }

    @Test
    void smallReportScreenshotIsNotBlankAndShowsTheChartColours() throws Exception {
        Tools.require("chromium", "chromium", "chromium-browser");
        BufferedImage img = ImageIO.read(smallPage.png().toFile());
        assertEquals(1200, img.getWidth());
        long pixels = (long) img.getWidth() * img.getHeight();
        long nonWhite = countPixels(img, -1);
        assertTrue(nonWhite > pixels / 10, "page is not blank: " + nonWhite + " of " + pixels);
        assertTrue(countPixels(img, 0xc62828) > 5_000, "red: failed calls, spoofed numbers");
        assertTrue(countPixels(img, 0x2e7d32) > 1_000, "green: verified calls");
        assertTrue(countPixels(img, 0x1565c0) > 300, "blue: the first agency's line, the called numbers");
    }

    @Test
    void largeReportScreenshotIsNotBlank() throws Exception {
        Tools.require("chromium", "chromium", "chromium-browser");
        BufferedImage img = ImageIO.read(largePage.png().toFile());
        assertEquals(900, img.getWidth());
        assertTrue(countPixels(img, -1) > (long) img.getWidth() * img.getHeight() / 10, "not blank");
        assertTrue(countPixels(img, 0xc62828) > 2_000, "red visible");
    }

    @Test
    void noElementIsWiderThanItsCardInEitherReport() {
        Tools.require("chromium", "chromium", "chromium-browser");
        for (Rendered r : List.of(smallPage, largePage)) {
            Matcher m = Pattern.compile("<pre id=\"overflow-report\">checked (\\d+) drill-downs; overflow: (.*?)</pre>",
                    Pattern.DOTALL).matcher(r.dom());
            assertTrue(m.find(), "the check ran in " + r.png());
            assertTrue(Integer.parseInt(m.group(1)) > 0, "drill-downs were opened and measured");
            assertEquals("[]", m.group(2), "elements outside their card in " + r.png());
        }
    }

    @Test
    void domHoldsTheChartSvgsWithOneBarPerCount() {
        Tools.require("chromium", "chromium", "chromium-browser");
        String dom = smallPage.dom();
        for (String id : List.of("chart-per-hour", "chart-split", "chart-agencies", "chart-trunks", "chart-spoofed",
                "chart-called", "chart-reasons")) {
            assertTrue(dom.contains("<svg id=\"" + id + "\""), id + " in the DOM");
        }
        // the spoofed chart has one bar per protected number that was spoofed
        String spoofed = AnalystReportTest.svg(dom, "chart-spoofed");
        long spoofedNumbers = java.util.Arrays.stream(small.spoofedByNumber).filter(n -> n > 0).count();
        assertEquals(spoofedNumbers, AnalystReportTest.count(spoofed, "<rect"));
        // the per-hour chart's bar titles add up to all calls
        Matcher m = Pattern.compile("<title>[^<]*: ([\\d,]+) ").matcher(AnalystReportTest.svg(dom, "chart-per-hour"));
        long sum = 0;
        while (m.find()) {
            sum += Long.parseLong(m.group(1).replace(",", ""));
        }
        assertEquals(small.total, sum);
        // the large report shows at most 15 spoofed numbers, each with its drill-down
        String large = AnalystReportTest.svg(largePage.dom(), "chart-spoofed");
        assertEquals(Math.min(HtmlReport.SPOOFED_SHOWN, largeSpoofedNumbers), AnalystReportTest.count(large, "<rect"));
        assertEquals(Math.min(HtmlReport.SPOOFED_SHOWN, largeSpoofedNumbers),
                AnalystReportTest.count(largePage.dom(), "<details id=\"d-"));
    }

    /** Writes the report, renders a copy with the overflow check, screenshots the page. */
    private static Rendered render(String name, Path log, ZoneId zone, int width, int height) throws Exception {
        StringWriter html = new StringWriter();
        AuditReport.write(List.of(log), new AuditReport.Options(null, null, zone, 20, null), AuditReport.Format.HTML, html);
        AuditReportTest.assertNoExternalResources(html.toString());
        Path page = dir.resolve(name + ".html");
        String checked = html.toString().replace("</body>", OVERFLOW_CHECK + "</body>");
        Files.writeString(page, checked, StandardCharsets.UTF_8);
        Path shots = Path.of("target", "report-screenshots");
        Files.createDirectories(shots);
        Files.writeString(shots.resolve(name + ".html"), html.toString(), StandardCharsets.UTF_8);
        Path png = shots.resolve(name + ".png").toAbsolutePath();
        Files.deleteIfExists(png);
        // one browser run gives both the screenshot and the DOM (each launch costs seconds on a busy machine);
        // the check closes the drill-downs again before the first paint
        String dom = run("--screenshot=" + png, "--dump-dom", "--hide-scrollbars", "--window-size=" + width + "," + height,
                page.toUri().toString());
        assertTrue(Files.size(png) > 10_000, "screenshot written: " + png);
        return new Rendered(html.toString(), png, dom);
    }

    /**
     * Ten days of heavy spoofing: hundreds of protected numbers, 40 agencies (long and CJK names), 60 trunks
     * with long names, 120 signers, Call-IDs of 200 characters. Returns how many numbers were spoofed.
     */
    static int writeLarge(Path file, int calls, long seed) throws IOException {
        Random rnd = new Random(seed);
        Instant start = Instant.parse("2026-11-14T00:00:00Z");
        java.util.Set<String> spoofed = new java.util.HashSet<>();
        try (AuditLog log = AuditLog.open(AuditSettings.defaults(file))) {
            for (int i = 0; i < calls; i++) {
                Instant at = start.plusSeconds(rnd.nextInt(10 * 86_400));
                String id = "1763" + i + "." + i;
                Decision d;
                if (rnd.nextDouble() < 0.4) {
                    int n = (int) Math.min(399, Math.abs(rnd.nextGaussian()) * 80);
                    String number = "+86" + (1000000000L + n * 7919L);
                    int a = n % 40;
                    String agency = a % 3 == 0 ? "公安部刑事侦查局反诈骗中心第" + a + "分局"
                            : "Ministry of Foreign Affairs, Department of Consular Protection and Services, Office " + a;
                    String trunk = "wholesale-carrier-interconnect-gateway-" + rnd.nextInt(60) + ".region.example.net";
                    String spc = "S" + rnd.nextInt(120);
                    Reason why = Reason.values()[rnd.nextInt(Reason.values().length)];
                    d = SampleAudit.fail(id + "-" + "x".repeat(180), number, agency, trunk, spc,
                            "https://certificates." + spc.toLowerCase() + ".very-long-signing-service-name.example/sti/"
                                    + "x".repeat(60) + ".pem", at, why, "8131234" + (1000 + rnd.nextInt(900)),
                            rnd.nextInt(250));
                    spoofed.add(number);
                } else if (rnd.nextDouble() < 0.3) {
                    d = SampleAudit.pass(id, "+861012308", "Consular hotline", at, Long.toHexString(rnd.nextLong()), 0);
                } else {
                    d = Fixtures.unprotected(id);
                }
                log.record(d, StageTimings.NONE, at);
            }
        }
        return spoofed.size();
    }

    /** Pixels near {@code rgb}, or not near white when {@code rgb} is -1. */
    private static long countPixels(BufferedImage img, int rgb) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y) & 0xffffff;
                if (rgb < 0 ? ((p >> 16) < 235 || ((p >> 8) & 0xff) < 235 || (p & 0xff) < 235) : near(p, rgb)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static boolean near(int rgb, int want) {
        return Math.abs((rgb >> 16) - (want >> 16)) < 12 && Math.abs(((rgb >> 8) & 0xff) - ((want >> 8) & 0xff)) < 12
                && Math.abs((rgb & 0xff) - (want & 0xff)) < 12;
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
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s");
        }
        assertEquals(0, p.exitValue(), "chromium exit status");
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}

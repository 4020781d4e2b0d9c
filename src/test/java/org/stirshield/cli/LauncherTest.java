package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installed launcher (src/dist/bin/stirshield) with stand-in Java runtimes: a script that records how it was
 * run. The Java version comes from the runtime's {@code release} file (no JVM started to ask), an old runtime is
 * refused with a clear message, and the start-up cache is used only when it matches, is trained apart from the
 * server, and never stops a start when it is missing or broken.
 */
class LauncherTest {
    private static final Path LAUNCHER = Path.of("src/dist/bin/stirshield").toAbsolutePath();
    /** Records its arguments; writes the file an AOT training run names; answers -XshowSettings like Java 17. */
    private static final String FAKE_JAVA = """
            #!/bin/sh
            echo "$*" >>"$FAKE_JAVA_LOG"
            for a in "$@"; do
              case $a in
                -XX:AOTCacheOutput=*) printf 'trained' >"${a#-XX:AOTCacheOutput=}" ;;
                -XshowSettings:properties) echo '    java.specification.version = 17' >&2 ;;
              esac
            done
            exit 0
            """;

    @TempDir
    Path dir;
    private Path home;
    private Path log;

    @BeforeEach
    void application() throws IOException {
        home = Files.createDirectories(dir.resolve("app"));
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("stirshield.jar"), "not run by the stand-in Java");
        log = dir.resolve("java.log");
    }

    private Path fakeJdk(String name, String release) throws IOException {
        Path jdk = Files.createDirectories(dir.resolve(name));
        Path java = Files.createDirectories(jdk.resolve("bin")).resolve("java");
        Files.writeString(java, FAKE_JAVA);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (release != null) {
            Files.writeString(jdk.resolve("release"), "IMPLEMENTOR=\"Test\"\n" + release + "\nJAVA_VERSION_DATE=\"2026-01-01\"\n");
        }
        return jdk;
    }

    private record Result(int code, String err, List<String> javaRuns) {
    }

    private Result launch(Path javaHome, Map<String, String> env, String... args) throws Exception {
        return launch(LAUNCHER, true, javaHome, env, args);
    }

    /** Runs {@code launcher} with bash; with {@code withHome}, STIRSHIELD_HOME names the application directory. */
    private Result launch(Path launcher, boolean withHome, Path javaHome, Map<String, String> env, String... args)
            throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("JAVA_HOME", javaHome.toString());
        pb.environment().remove("STIRSHIELD_HOME");
        if (withHome) {
            pb.environment().put("STIRSHIELD_HOME", home.toString());
        }
        pb.environment().put("FAKE_JAVA_LOG", log.toString());
        pb.environment().remove("STIRSHIELD_JAVA_OPTS");
        pb.environment().remove("STIRSHIELD_CDS");
        pb.environment().putAll(env);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Path err = dir.resolve("err.txt");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher finished");
        List<String> runs = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return new Result(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8), runs);
    }

    @Test
    void theJavaVersionComesFromTheReleaseFileWithoutStartingAJvm() throws Exception {
        Path jdk = fakeJdk("jdk-25", "JAVA_VERSION=\"25.0.1\"");
        Result r = launch(jdk, Map.of(), "--version");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.javaRuns().size(), "one JVM: the application, no version probe: " + r.javaRuns());
        String run = r.javaRuns().get(0);
        assertTrue(run.endsWith("-jar " + home.resolve("stirshield.jar") + " --version"), run);
        assertFalse(run.contains("AOTCache") || run.contains("SharedArchiveFile"), "no start-up cache but for serve: " + run);
    }

    @Test
    void anOldJavaHomeIsRefusedWithAClearMessage() throws Exception {
        Path jdk = fakeJdk("jdk-17", "JAVA_VERSION=\"17.0.12\"");
        Result r = launch(jdk, Map.of(), "--version");
        assertTrue(r.err().contains("stirshield: JAVA_HOME=" + jdk + " is not a Java 21 or newer (17); looking elsewhere"),
                r.err());
        assertTrue(r.javaRuns().isEmpty(), "the old Java was never started: " + r.javaRuns());

        Path java8 = fakeJdk("jdk-8", "JAVA_VERSION=\"1.8.0_412\"");
        r = launch(java8, Map.of(), "--version");
        assertTrue(r.err().contains("is not a Java 21 or newer (8)"), r.err());
    }

    @Test
    void anInstallReachedThroughSymlinksFindsItsJarAndItsJava() throws Exception {
        // the .deb's layout: /usr/bin/stirshield links to the launcher beside the jar; /usr/bin/java-style links
        Path installed = Files.createDirectories(home.resolve("bin")).resolve("stirshield");
        Files.copy(LAUNCHER, installed);
        Path onPath = Files.createDirectories(dir.resolve("usr/bin")).resolve("stirshield");
        Files.createSymbolicLink(onPath, installed);
        Path jdk = fakeJdk("jdk-25", "JAVA_VERSION=\"25.0.1\"");
        Path alternatives = Files.createDirectories(dir.resolve("alternatives/bin")).getParent(); // no release file
        Files.createSymbolicLink(alternatives.resolve("bin/java"), jdk.resolve("bin/java"));

        Result r = launch(onPath, false, alternatives, Map.of("STIRSHIELD_CDS", "off"), "--version");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("--enable-native-access=ALL-UNNAMED -Djdk.httpclient.allowRestrictedHeaders=host"
                + " -XX:+UseSerialGC -jar " + home.toRealPath().resolve("stirshield.jar") + " --version"), r.javaRuns(),
                "the jar beside the link's target; Java 25 read from the linked runtime's release file, not asked");
    }

    @Test
    void withoutAReleaseFileTheJvmIsAsked() throws Exception {
        Path jdk = fakeJdk("jdk-unknown", null); // the stand-in answers -XshowSettings with 17
        Result r = launch(jdk, Map.of(), "--version");
        assertTrue(r.err().contains("is not a Java 21 or newer (17)"), r.err());
        assertFalse(r.javaRuns().isEmpty());
        assertTrue(r.javaRuns().stream().allMatch(run -> run.equals("-XshowSettings:properties -version")),
                "only asked, never run: " + r.javaRuns());
    }

    @Test
    void theStartUpCacheIsTrainedApartUsedWhenItMatchesAndIgnoredWhenItDoesNot() throws Exception {
        Path jdk = fakeJdk("jdk-25", "JAVA_VERSION=\"25.0.1\"");
        Path cache = dir.resolve("state/serve.aot");
        Files.createDirectories(cache.getParent());
        Files.writeString(cache, "garbage from an interrupted write"); // no stamp: never used
        Map<String, String> env = Map.of("STIRSHIELD_CDS_ARCHIVE", cache.toString(), "STIRSHIELD_CDS_DELAY", "0");

        Result r = launch(jdk, env, "serve", "--listen", "127.0.0.1:4573");
        assertEquals(0, r.code(), r.err());
        String serve = r.javaRuns().get(0);
        assertTrue(serve.endsWith("serve --listen 127.0.0.1:4573"), serve);
        assertFalse(serve.contains("-XX:AOTCache"), "a cache without a matching stamp is not used: " + serve);
        // the background training: serve on a loopback port in training mode, writing a new cache
        Path stamp = Path.of(cache + ".stamp");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(stamp) && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(stamp), "trained in the background");
        assertEquals("trained", Files.readString(cache));
        String training = Files.readAllLines(log).get(1);
        assertTrue(training.contains("-XX:AOTCacheOutput=" + cache + ".tmp."), training);
        assertTrue(training.contains("-Dstirshield.startup.training=true"), training);
        assertTrue(training.endsWith("serve --listen 127.0.0.1:0 --metrics 127.0.0.1:0"), training);

        Files.delete(log);
        r = launch(jdk, env, "serve");
        assertEquals(1, r.javaRuns().size(), "no training when the cache matches: " + r.javaRuns());
        assertTrue(r.javaRuns().get(0).contains("-XX:AOTCache=" + cache + " "), r.javaRuns().get(0));
        String current = r.javaRuns().get(0);

        Files.delete(log); // an upgraded jar (another size): the cache no longer matches and is not used
        Path jar = home.resolve("stirshield.jar");
        java.nio.file.attribute.FileTime built = Files.getLastModifiedTime(jar);
        Files.writeString(jar, "not run by the stand-in Java, release 2");
        Files.setLastModifiedTime(jar, built); // a package keeps its files' times
        String rebuilt = "3600.1" + ProcessHandle.current().pid();
        r = launch(jdk, Map.of("STIRSHIELD_CDS_ARCHIVE", cache.toString(), "STIRSHIELD_CDS_DELAY", rebuilt), "serve");
        assertFalse(r.javaRuns().get(0).contains("-XX:AOTCache"), r.javaRuns().get(0));
        stopBackgroundTraining(rebuilt);
        Files.writeString(jar, "not run by the stand-in Java");
        Files.setLastModifiedTime(jar, built);

        Files.delete(log); // another JVM option: the cache no longer matches and is not used
        String delay = "3600." + ProcessHandle.current().pid(); // the background training's sleep, found by it
        r = launch(jdk, Map.of("STIRSHIELD_CDS_ARCHIVE", cache.toString(), "STIRSHIELD_CDS_DELAY", delay,
                "STIRSHIELD_JAVA_OPTS", "-Xmx256m"), "serve");
        assertFalse(r.javaRuns().get(0).contains("-XX:AOTCache"), r.javaRuns().get(0));
        stopBackgroundTraining(delay);

        Files.delete(log);
        r = launch(jdk, Map.of("STIRSHIELD_CDS_ARCHIVE", cache.toString(), "STIRSHIELD_CDS", "off"), "serve");
        assertFalse(r.javaRuns().get(0).contains("-XX:AOTCache"), r.javaRuns().get(0));

        realJvmIgnores(current, cache);
    }

    /**
     * Ends the launcher's background training that waits in {@code sleep DELAY} (the subshell first, so that it
     * does not go on to train when its sleep ends): a test must not leave processes behind.
     */
    private static void stopBackgroundTraining(String delay) throws InterruptedException {
        // the subshell may start its sleep only after the launcher has exited: look for it for a few seconds
        for (int i = 0; i < 50; i++) {
            List<ProcessHandle> sleeps = ProcessHandle.allProcesses()
                    .filter(h -> h.info().commandLine().map(c -> c.endsWith("sleep " + delay)).orElse(false))
                    .toList();
            for (ProcessHandle sleep : sleeps) {
                sleep.parent().ifPresent(ProcessHandle::destroyForcibly);
                sleep.destroyForcibly();
            }
            if (!sleeps.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
    }

    /**
     * The cache flags the launcher gives a current cache, passed to the real runtime this test runs on with the
     * cache file corrupt (overwritten after its stamp was written) or gone: the JVM starts, silently, without it.
     */
    private static void realJvmIgnores(String launcherRun, Path cache) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs Java 25");
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : launcherRun.split(" ")) {
            if (a.startsWith("-XX:AOTCache=") || a.startsWith("-Xlog:")) {
                cmd.add(a);
            }
        }
        assertTrue(cmd.contains("-XX:AOTCache=" + cache), cmd.toString());
        cmd.add("-version");
        for (boolean corrupt : new boolean[] {true, false}) {
            if (corrupt) {
                Files.write(cache, new byte[64 * 1024]);
            } else {
                Files.deleteIfExists(cache);
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            for (String line : out.strip().split("\n")) {
                assertTrue(line.matches("(openjdk|OpenJDK|java|Java).*"), (corrupt ? "corrupt" : "missing")
                        + " cache: nothing but the version: " + out);
            }
        }
    }
}

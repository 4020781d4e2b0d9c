package org.stirshield.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The heap in use is read for every collector's GC.heap_info layout (the serial one lists two generations). */
class JcmdTest {

    @Test
    void serialCollectorGenerationsAreAddedUp() {
        String serial = """
                 def new generation   total 9792K, used 512K [0x00000000e0000000, 0x00000000e0aa0000)
                  eden space 8704K,   5% used [0x00000000e0000000, 0x00000000e0080000)
                 tenured generation   total 21888K, used 75000K [0x00000000eaaa0000, 0x00000000ec000000)
                 Metaspace       used 20000K, committed 20480K, reserved 1114112K
                  class space    used 2000K, committed 2176K, reserved 1048576K
                """;
        assertEquals((512 + 75000) * 1024L, Jcmd.heapUsed(serial));
    }

    @Test
    void serialCollectorOfJava25() {
        String serial = """
                DefNew     total 116160K, used 1024K [0x0000000687400000, 0x000000068f200000, 0x0000000704d50000)
                 eden space 103296K,   1% used [0x0000000687400000, 0x000000068b91e300, 0x000000068d8e0000)
                Tenured    total 258048K, used 70000K [0x000000068f200000, 0x0000000697000000, 0x0000000782700000)
                 Metaspace       used 20000K, committed 20480K, reserved 1114112K
                """;
        assertEquals((1024 + 70000) * 1024L, Jcmd.heapUsed(serial));
    }

    @Test
    void g1HeapLineAlone() {
        String g1 = """
                 garbage-first heap   total 266240K, used 45853K [0x0000000700000000, 0x0000000800000000)
                  region size 1024K, 3 young (3072K), 0 survivors (0K)
                 Metaspace       used 20000K, committed 20480K, reserved 1114112K
                """;
        assertEquals(45853 * 1024L, Jcmd.heapUsed(g1));
    }
}

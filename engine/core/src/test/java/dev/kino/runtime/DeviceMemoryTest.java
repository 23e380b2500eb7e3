package dev.kino.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU's free memory under a cgroup limit (a container, a Spark executor on YARN or Kubernetes), on fake
 * {@code /sys/fs/cgroup} trees of both cgroup versions: {@code --experts auto} must not take the whole machine's
 * memory for its own there.
 */
class DeviceMemoryTest {
    @TempDir
    Path sys;

    private void write(String file, String text) throws Exception {
        Files.createDirectories(sys.resolve(file).getParent());
        Files.writeString(sys.resolve(file), text);
    }

    @Test
    void cgroupV2LimitLessUsageWithoutInactivePageCache() throws Exception {
        write("cgroup.controllers", "cpu memory\n");
        write("kubepods/pod1/memory.max", "8589934592\n");
        write("kubepods/pod1/memory.current", "3221225472\n");
        write("kubepods/pod1/memory.stat", "anon 1073741824\ninactive_file 1073741824\nactive_file 5\n");
        assertEquals((8L << 30) - (2L << 30), DeviceMemory.cgroupRoom(sys, List.of("0::/kubepods/pod1")));
        write("kubepods/pod1/memory.max", "max\n");
        assertEquals(Long.MAX_VALUE, DeviceMemory.cgroupRoom(sys, List.of("0::/kubepods/pod1")), "no limit");
    }

    @Test
    void aContainerSeesItsOwnCgroupAsTheRoot() throws Exception {
        write("cgroup.controllers", "memory\n");
        write("memory.max", "4294967296\n");
        write("memory.current", "1073741824\n");
        assertEquals(3L << 30, DeviceMemory.cgroupRoom(sys, List.of("0::/docker/abc")), "the named path is not mounted");
    }

    @Test
    void cgroupV1MemoryController() throws Exception {
        write("memory/yarn/container_1/memory.limit_in_bytes", "6442450944\n");
        write("memory/yarn/container_1/memory.usage_in_bytes", "2147483648\n");
        write("memory/yarn/container_1/memory.stat", "cache 5\ntotal_inactive_file 1073741824\n");
        List<String> self = List.of("5:cpu,cpuacct:/yarn/container_1", "4:memory:/yarn/container_1", "0::/");
        assertEquals((6L << 30) - (1L << 30), DeviceMemory.cgroupRoom(sys, self));
        write("memory/yarn/container_1/memory.limit_in_bytes", "9223372036854771712\n");
        assertEquals(Long.MAX_VALUE, DeviceMemory.cgroupRoom(sys, self), "v1's no limit");
        assertEquals(Long.MAX_VALUE, DeviceMemory.cgroupRoom(sys, List.of()), "no cgroup named");
    }

    @Test
    void theCpusFreeMemoryIsPositiveOnLinux() {
        DeviceMemory.Free free = DeviceMemory.free(Device.CPU);
        if (Files.isRegularFile(Path.of("/proc/meminfo"))) {
            assertTrue(free.bytes() > 0, free.toString());
        }
    }
}

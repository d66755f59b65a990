package dev.shufflespark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelsTest {

    @Test
    void imagenetHasTheThousandClassesInTorchvisionOrder() {
        Labels labels = Labels.imagenet();
        assertEquals(1000, labels.size());
        assertEquals("tench", labels.name(0));
        assertEquals("goldfish", labels.name(1));
        assertEquals("tabby", labels.name(281));
        assertEquals("Siamese cat", labels.name(284));
        assertEquals("ear", labels.name(998));
        assertEquals("toilet tissue", labels.name(999));
        assertEquals(1000, new HashSet<>(labels.names()).size(), "class names are distinct");
        assertSame(labels, Labels.imagenet(), "loaded once");
    }

    @Test
    void readsAFileWithAnyLineEnding(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("three.txt");
        Files.write(file, "cat\r\ndog\nsea lion".getBytes(StandardCharsets.UTF_8));
        Labels labels = Labels.read(file);
        assertEquals(3, labels.size());
        assertEquals("cat", labels.name(0));
        assertEquals("dog", labels.name(1));
        assertEquals("sea lion", labels.name(2));
    }

    @Test
    void rejectsAnEmptyLineNamingIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gap.txt");
        Files.writeString(file, "cat\n\ndog\n");
        ModelException e = assertThrows(ModelException.class, () -> Labels.read(file));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void indexOutsideTheRangeNamesTheRange() {
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Labels.imagenet().name(1000));
        assertTrue(e.getMessage().contains("0..999"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Labels.imagenet().name(-1));
    }

    @Test
    void aMissingFileIsAnErrorNamingIt(@TempDir Path dir) {
        Path missing = dir.resolve("none.txt");
        Exception e = assertThrows(Exception.class, () -> Labels.read(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}

package dev.kino.sweep;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CellTest {

    @Test
    void idNamesEveryAxisAndIsStableAcrossRuns() {
        Cell c = new Cell("a red circle moving right", 7, 4.5, "dpmpp-2m-karras", 16);
        assertTrue(c.id().matches("dpmpp-2m-karras_16steps_g4\\.5_seed7_p[0-9a-f]{8}"), c.id());
        assertEquals(c.id(), new Cell("a red circle moving right", 7, 4.5, "dpmpp-2m-karras", 16).id());
    }

    @Test
    void everyAxisChangesTheId() {
        Cell c = new Cell("a", 0, 3.0, "euler", 8);
        assertNotEquals(c.id(), new Cell("b", 0, 3.0, "euler", 8).id());
        assertNotEquals(c.id(), new Cell("a", 1, 3.0, "euler", 8).id());
        assertNotEquals(c.id(), new Cell("a", 0, 3.5, "euler", 8).id());
        assertNotEquals(c.id(), new Cell("a", 0, 3.0, "ddim", 8).id());
        assertNotEquals(c.id(), new Cell("a", 0, 3.0, "euler", 4).id());
    }

    @Test
    void guidanceIsWrittenAsItsShortestDecimal() {
        assertEquals("3", Cell.number(3.0));
        assertEquals("4.5", Cell.number(4.5));
        assertEquals("0", Cell.number(0.0));
        assertEquals("model", Cell.number(null));
    }

    @Test
    void theModelsOwnSchedulerIsRequestedWithoutAName() {
        Cell own = new Cell("a", 0, 3.0, "ddim", 8);
        assertNull(own.request("ddim", null, null, null).scheduler());
        assertEquals("euler", new Cell("a", 0, 3.0, "euler", 8).request("ddim", null, null, null).scheduler());
        assertEquals(8, own.request("ddim", null, null, null).steps());
    }

    @Test
    void theReferenceKeepsPromptSeedAndGuidance() {
        Cell ref = new Cell("a", 3, 2.0, "euler", 8).referenceFor("ddim", 50);
        assertEquals(new Cell("a", 3, 2.0, "ddim", 50), ref);
    }
}

package dev.shufflespark.io.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.decode.RgbImage;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PreprocessSettingsTest {

    @Test
    void modelMetadataWinsOverConfigurationWhichWinsOverDefaults() {
        Map<String, String> model = Map.of(PreprocessSettings.MEAN, "103.94,116.78,123.68");
        Map<String, String> conf = Map.of(PreprocessSettings.MEAN, "0,0,0", PreprocessSettings.CHANNELS, "BGR",
                PreprocessSettings.RANGE, "byte", PreprocessSettings.CROP, "200,180", PreprocessSettings.STD, "1,1,1");
        PreprocessSettings.Resolved r = PreprocessSettings.resolve(model, conf::get);
        PreprocessSettings s = r.settings();
        assertEquals(103.94f, s.mean()[0]);
        assertEquals(PreprocessSettings.Channels.BGR, s.channels());
        assertEquals(PreprocessSettings.Range.BYTE, s.range());
        assertEquals(200, s.cropHeight());
        assertEquals(180, s.cropWidth());
        assertEquals(256, s.resizeShorter());
        assertEquals(Map.of(PreprocessSettings.MEAN, "model", PreprocessSettings.CHANNELS, "configuration",
                PreprocessSettings.RANGE, "configuration", PreprocessSettings.CROP, "configuration",
                PreprocessSettings.STD, "configuration", PreprocessSettings.RESIZE, "default"), r.sources());
        assertTrue(r.toString().contains("preprocess.resize = 256 (default)"), r.toString());
        assertEquals(PreprocessSettings.imagenet(), PreprocessSettings.from(key -> null));
    }

    @Test
    void badValuesNameTheKeyAndTheValue() {
        for (String[] kv : new String[][] {{PreprocessSettings.MEAN, "1,2"}, {PreprocessSettings.RANGE, "percent"},
            {PreprocessSettings.RESIZE, "big"}, {PreprocessSettings.CROP, "300"}, {PreprocessSettings.STD, "1,0,1"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PreprocessSettings.from(Map.of(kv[0], kv[1])::get));
            assertTrue(e.getMessage().contains(kv[0]) || e.getMessage().contains(kv[1]), e.getMessage());
        }
    }

    @Test
    void bgrPlanesAndByteRange() {
        PreprocessSettings caffe = new PreprocessSettings(4, 4, 4, new float[] {10, 20, 30}, new float[] {1, 2, 4},
                PreprocessSettings.Range.BYTE, PreprocessSettings.Channels.BGR);
        byte[] px = new byte[4 * 4 * 3];
        for (int i = 0; i < px.length; i += 3) {
            px[i] = (byte) 200; // R
            px[i + 1] = 100;    // G
            px[i + 2] = 50;     // B
        }
        float[] out = new float[48];
        new Preprocessor(caffe).apply(new RgbImage(4, 4, px), out, 0);
        assertEquals((50 - 30) / 4f, out[0], "plane 0 is B, with B's mean and std");
        assertEquals((100 - 20) / 2f, out[16], "plane 1 is G");
        assertEquals((200 - 10) / 1f, out[32], "plane 2 is R");
    }
}

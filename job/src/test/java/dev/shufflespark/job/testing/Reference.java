package dev.shufflespark.job.testing;

import dev.shufflespark.io.decode.DecodedImage;
import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.output.TopK;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.Session;
import java.util.List;

/**
 * The labels of one image computed without Spark: the io module decodes and preprocesses it (torchvision's
 * ImageNet settings), the engine runs it alone (batch of 1), top-k by softmax.
 */
public final class Reference {

    /** Decoded size, top-k indices and probabilities. */
    public record Expected(int width, int height, int[] index, float[] probability) {
    }

    private final Engine engine;
    private final int classes;

    public Reference(String model) {
        Model m = Model.builtin(model);
        this.engine = m.engine();
        this.classes = m.numClasses();
    }

    public Expected classify(byte[] bytes, int k) throws Exception {
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());
        float[] input = new float[pre.outputLength()];
        DecodedImage image;
        try (ImageDecoder decoder = new ImageDecoder()) {
            image = decoder.decode(bytes, 0, bytes.length, "reference", pre.resizeTarget());
        }
        pre.apply(image, input, 0);
        Session s = engine.newSession(1, 224, 224);
        float[] logits = s.run(input, 1);
        List<TopK.Prediction> top = TopK.of(logits, 0, classes, k);
        int[] index = new int[top.size()];
        float[] p = new float[top.size()];
        for (int i = 0; i < top.size(); i++) {
            index[i] = top.get(i).index();
            p[i] = top.get(i).probability();
        }
        return new Expected(image.width(), image.height(), index, p);
    }
}

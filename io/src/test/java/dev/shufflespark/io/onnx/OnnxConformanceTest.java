package dev.shufflespark.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.shufflespark.io.onnx.proto.Onnx.GraphProto;
import dev.shufflespark.io.onnx.proto.Onnx.ModelProto;
import dev.shufflespark.io.onnx.proto.Onnx.TensorProto;
import dev.shufflespark.io.onnx.proto.Onnx.ValueInfoProto;
import dev.shufflespark.model.Session;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * ONNX's own per-operator conformance cases (Debian package {@code libonnx-testdata}) for every operator the
 * importer claims. Each case is a tiny model with its inputs and expected outputs; each listed case is one
 * test, named after its folder, and a missing folder fails the test (CI installs the package).
 *
 * <p>Two paths. Operators that run on activations run through the engine: the case's first input is the image
 * batch, its other inputs (weights, bounds) become initializers, and the engine's output must match. The
 * shape operators (Reshape, Transpose, Concat, Split, Slice, Gather, ...) are what the importer evaluates at
 * load time, so their cases run through that evaluation with every input made an initializer; their use on
 * activations (channel shuffle, channel split) is covered by the torchvision fixtures and ONNX Runtime.
 */
@Tag("system-packages")
class OnnxConformanceTest {
    static final Path DATA = Path.of(System.getProperty("onnx.testdata", "/usr/share/libonnx-testdata/data"));

    /** Cases run through the engine. */
    static final List<String> ENGINE_CASES = List.of(
            // Conv
            "node/test_basic_conv_with_padding", "node/test_basic_conv_without_padding",
            "node/test_conv_with_strides_padding", "node/test_conv_with_strides_no_padding",
            "node/test_conv_with_strides_and_asymmetric_padding", "node/test_conv_with_autopad_same",
            "pytorch-converted/test_Conv2d", "pytorch-converted/test_Conv2d_no_bias",
            "pytorch-converted/test_Conv2d_padding", "pytorch-converted/test_Conv2d_strided",
            "pytorch-converted/test_Conv2d_groups", "pytorch-converted/test_Conv2d_groups_thnn",
            "pytorch-converted/test_Conv2d_depthwise", "pytorch-converted/test_Conv2d_depthwise_padded",
            "pytorch-converted/test_Conv2d_depthwise_strided", "pytorch-converted/test_Conv2d_depthwise_with_multiplier",
            "pytorch-converted/test_Conv1d", "pytorch-converted/test_Conv1d_groups", "pytorch-converted/test_Conv1d_pad1",
            "pytorch-converted/test_Conv1d_pad2", "pytorch-converted/test_Conv1d_pad1size1",
            "pytorch-converted/test_Conv1d_pad2size1",
            "pytorch-converted/test_Conv1d_stride",
            "pytorch-operator/test_operator_conv",
            // BatchNormalization
            "node/test_batchnorm_example", "node/test_batchnorm_epsilon", "pytorch-converted/test_BatchNorm2d_eval",
            "pytorch-converted/test_BatchNorm2d_momentum_eval", "pytorch-converted/test_BatchNorm1d_3d_input_eval",
            // pools
            "node/test_averagepool_2d_default", "node/test_averagepool_2d_pads",
            "node/test_averagepool_2d_pads_count_include_pad", "node/test_averagepool_2d_precomputed_pads",
            "node/test_averagepool_2d_precomputed_pads_count_include_pad",
            "node/test_averagepool_2d_precomputed_same_upper", "node/test_averagepool_2d_precomputed_strides",
            "node/test_averagepool_2d_same_lower", "node/test_averagepool_2d_same_upper",
            "node/test_averagepool_2d_strides", "node/test_averagepool_2d_ceil",
            "node/test_maxpool_2d_default", "node/test_maxpool_2d_pads", "node/test_maxpool_2d_precomputed_pads",
            "node/test_maxpool_2d_precomputed_same_upper", "node/test_maxpool_2d_precomputed_strides",
            "node/test_maxpool_2d_same_lower", "node/test_maxpool_2d_same_upper", "node/test_maxpool_2d_strides",
            "node/test_maxpool_2d_ceil", "node/test_globalaveragepool", "node/test_globalaveragepool_precomputed",
            "pytorch-converted/test_AvgPool2d", "pytorch-converted/test_AvgPool2d_stride",
            "pytorch-converted/test_MaxPool2d",
            // Gemm, MatMul
            "node/test_gemm_default_no_bias", "node/test_gemm_default_vector_bias",
            "node/test_gemm_default_single_elem_vector_bias", "node/test_gemm_default_scalar_bias",
            "node/test_gemm_default_zero_bias", "node/test_gemm_alpha", "node/test_gemm_beta",
            "node/test_gemm_transposeB", "node/test_matmul_2d", "pytorch-converted/test_Linear",
            "pytorch-converted/test_Linear_no_bias",
            // Softmax
            "node/test_softmax_example", "node/test_softmax_large_number", "pytorch-converted/test_Softmax",
            // Flatten
            "node/test_flatten_axis1", "node/test_flatten_default_axis", "node/test_flatten_negative_axis3",
            // Relu, Clip
            "node/test_relu", "pytorch-converted/test_ReLU", "node/test_clip", "node/test_clip_example",
            "node/test_clip_inbounds", "node/test_clip_outbounds", "node/test_clip_splitbounds",
            "node/test_clip_default_min", "node/test_clip_default_max", "node/test_clip_default_inbounds",
            // Dropout, Identity (removed)
            "node/test_dropout_default", "node/test_dropout_default_ratio", "node/test_dropout_default_old",
            "node/test_dropout_random_old", "node/test_identity");

    /** Cases run through the load-time evaluation of shape operators. */
    static final List<String> FOLDED_CASES = List.of(
            "node/test_reshape_extended_dims", "node/test_reshape_negative_dim",
            "node/test_reshape_negative_extended_dims", "node/test_reshape_one_dim", "node/test_reshape_reduced_dims",
            "node/test_reshape_reordered_all_dims", "node/test_reshape_reordered_last_dims",
            "node/test_reshape_zero_and_negative_dim", "node/test_reshape_zero_dim",
            "node/test_reshape_allowzero_reordered",
            "node/test_transpose_default", "node/test_transpose_all_permutations_0",
            "node/test_transpose_all_permutations_1", "node/test_transpose_all_permutations_2",
            "node/test_transpose_all_permutations_3", "node/test_transpose_all_permutations_4",
            "node/test_transpose_all_permutations_5",
            "node/test_concat_1d_axis_0", "node/test_concat_1d_axis_negative_1", "node/test_concat_2d_axis_0",
            "node/test_concat_2d_axis_1", "node/test_concat_2d_axis_negative_1", "node/test_concat_2d_axis_negative_2",
            "node/test_concat_3d_axis_0", "node/test_concat_3d_axis_1", "node/test_concat_3d_axis_2",
            "node/test_concat_3d_axis_negative_1", "node/test_concat_3d_axis_negative_2",
            "node/test_concat_3d_axis_negative_3",
            "node/test_split_equal_parts_1d", "node/test_split_equal_parts_2d",
            "node/test_split_equal_parts_default_axis", "node/test_split_variable_parts_1d",
            "node/test_split_variable_parts_2d", "node/test_split_variable_parts_default_axis",
            "node/test_slice", "node/test_slice_default_axes", "node/test_slice_default_steps",
            "node/test_slice_end_out_of_bounds", "node/test_slice_neg", "node/test_slice_neg_steps",
            "node/test_slice_negative_axes", "node/test_slice_start_out_of_bounds",
            "node/test_flatten_axis0", "node/test_flatten_axis2", "node/test_flatten_axis3",
            "node/test_flatten_negative_axis1", "node/test_flatten_negative_axis2", "node/test_flatten_negative_axis4",
            "node/test_add", "node/test_add_bcast", "node/test_sub", "node/test_sub_bcast", "node/test_mul",
            "node/test_mul_bcast", "node/test_div", "node/test_div_bcast", "node/test_neg",
            "node/test_gather_0", "node/test_gather_1", "node/test_gather_2d_indices",
            "node/test_gather_negative_indices", "node/test_unsqueeze_axis_0", "node/test_unsqueeze_axis_1",
            "node/test_unsqueeze_axis_2", "node/test_unsqueeze_negative_axes", "node/test_unsqueeze_three_axes",
            "node/test_unsqueeze_two_axes", "node/test_unsqueeze_unsorted_axes", "node/test_squeeze",
            "node/test_squeeze_negative_axes", "node/test_shape", "node/test_shape_example", "node/test_shape_start_1",
            "node/test_shape_end_1", "node/test_shape_start_1_end_2", "node/test_shape_clip_start",
            "node/test_shape_clip_end", "node/test_constantofshape_float_ones", "node/test_constantofshape_int_zeros",
            "node/test_range_int32_type_negative_delta");

    @BeforeAll
    static void dataIsThere() {
        assertTrue(Files.isDirectory(DATA.resolve("node")),
                "ONNX conformance data missing at " + DATA + ": install the Debian package libonnx-testdata "
                        + "(.ci/run does), or point -Donnx.testdata at a copy");
    }

    @TestFactory
    Stream<DynamicTest> engineCases() {
        System.out.println("ONNX conformance cases through the engine (" + ENGINE_CASES.size() + "): " + ENGINE_CASES);
        return ENGINE_CASES.stream().map(c -> dynamicTest(c, () -> engineCase(c)));
    }

    @TestFactory
    Stream<DynamicTest> foldedCases() {
        System.out.println("ONNX conformance cases through load-time evaluation (" + FOLDED_CASES.size() + "): "
                + FOLDED_CASES);
        return FOLDED_CASES.stream().map(c -> dynamicTest(c, () -> foldedCase(c)));
    }

    private static void engineCase(String name) throws IOException {
        Path dir = DATA.resolve(name);
        assertTrue(Files.isDirectory(dir), "missing conformance case " + dir);
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
        for (Path set : dataSets(dir)) {
            List<TensorProto> inputs = tensors(set, "input_");
            List<TensorProto> outputs = tensors(set, "output_");
            // Inputs after the first are weights or bounds: make them initializers.
            GraphProto.Builder g = model.getGraph().toBuilder();
            List<ValueInfoProto> declared = g.getInputList();
            for (int i = 1; i < inputs.size(); i++) {
                g.addInitializer(inputs.get(i).toBuilder().setName(declared.get(i).getName()));
            }
            OnnxModel imported = OnnxImporter.fromProto(model.toBuilder().setGraph(g).build(), name);
            Constant x = Tensors.read(inputs.get(0), "input 0");
            Constant expected = Tensors.read(outputs.get(0), "output 0");
            long[] d = x.dims;
            int batch = (int) d[0];
            int h = d.length == 4 ? (int) d[2] : 1;
            int w = d.length == 4 ? (int) d[3] : d.length == 3 ? (int) d[2] : 1;
            Session s = imported.model().engine().newSession(batch, h, w);
            float[] got = s.run(x.floats, batch);
            int perImage = expected.size() / batch;
            assertEquals(expected.size(), batch * s.engine().program(h, w).outputShape().size(),
                    "output size of " + name);
            String bad = Compare.mismatch(expected.floats, got, batch, perImage, false);
            assertNull(bad, () -> name + " " + set.getFileName() + ": " + bad);
        }
    }

    private static void foldedCase(String name) throws IOException {
        Path dir = DATA.resolve(name);
        assertTrue(Files.isDirectory(dir), "missing conformance case " + dir);
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
        for (Path set : dataSets(dir)) {
            List<TensorProto> inputs = tensors(set, "input_");
            List<TensorProto> outputs = tensors(set, "output_");
            GraphProto.Builder g = model.getGraph().toBuilder();
            for (int i = 0; i < inputs.size(); i++) {
                g.addInitializer(inputs.get(i).toBuilder().setName(g.getInput(i).getName()));
            }
            ModelProto withInputs = model.toBuilder().setGraph(g).build();
            Map<String, Constant> values = GraphImporter.evaluate(withInputs, GraphImporter.opsetOf(model));
            for (int i = 0; i < outputs.size(); i++) {
                Constant expected = Tensors.read(outputs.get(i), "output " + i);
                Constant got = values.get(g.getOutput(i).getName());
                assertArrayEquals(expected.dims, got.dims, name + " output " + i + " dims");
                float[] e = expected.floatValues("expected");
                float[] a = got.floatValues("result");
                String bad = Compare.mismatch(e, a, 1, e.length, false);
                assertNull(bad, () -> name + " output: " + bad);
            }
        }
    }

    private static List<Path> dataSets(Path dir) throws IOException {
        List<Path> sets = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().forEach(sets::add);
        }
        assertTrue(!sets.isEmpty(), "no test_data_set_* in " + dir);
        return sets;
    }

    private static List<TensorProto> tensors(Path set, String prefix) throws IOException {
        List<TensorProto> t = new ArrayList<>();
        for (int i = 0; Files.exists(set.resolve(prefix + i + ".pb")); i++) {
            t.add(TensorProto.parseFrom(Files.readAllBytes(set.resolve(prefix + i + ".pb"))));
        }
        return t;
    }
}

"""FLOPs of a Keras model: TensorFlow's profiler on the frozen inference graph.

Counts every op with registered FLOP statistics (Conv2D, depthwise and transposed convs at
2 FLOPs per multiply-accumulate, plus bias adds and element-wise ops) for ONE image.
"""

from __future__ import annotations

import keras


def flops(model: keras.Model) -> int:
    """Floating-point operations of one forward pass of ``model`` on a single image."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    spec = tf.TensorSpec((1, *model.input_shape[1:]), tf.float32)
    concrete = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
    frozen = convert_variables_to_constants_v2(concrete)
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(frozen.graph.as_graph_def(), name="")
        builder = tf.compat.v1.profiler.ProfileOptionBuilder
        options = builder(builder.float_operation()).with_empty_output().build()
        profile = tf.compat.v1.profiler.profile(graph, run_meta=tf.compat.v1.RunMetadata(), cmd="op", options=options)
    return int(profile.total_float_ops)

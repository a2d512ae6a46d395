"""Deployment (stages export, benchmark, report, and the `footseg` tools around the files):
Keras -> .tflite conversion and its accuracy check (export), the interpreters that run a .tflite
(interpreter), latency and scores of every exported file and the MediaPipe peer (benchmark), the
results tables and plots drawn from the metrics (report), timing on a phone (adb), fetching the
peer model (peer), segmenting images and videos (predict) and the browser demo (demo/).
"""

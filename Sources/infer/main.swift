import TFLiteEngine
print("infer: not yet implemented")

import TFLiteEngine
print("bench: not yet implemented")

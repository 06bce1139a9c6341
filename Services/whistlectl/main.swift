print("whistlectl")

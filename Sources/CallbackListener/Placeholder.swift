// CallbackListener

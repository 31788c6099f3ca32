print("oauthscope")

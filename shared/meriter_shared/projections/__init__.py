"""Read models of other services' events that more than one service keeps."""

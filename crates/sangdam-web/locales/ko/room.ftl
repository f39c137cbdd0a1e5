## 상담실
room-title = 상담실
room-join = 상담실 입장
room-connecting = 연결하는 중…
room-waiting = 잠시만 기다려 주세요. 상담사가 곧 들어오시도록 안내해 드립니다. 그동안 카메라와 마이크를 확인해 보셔도 좋습니다.
room-admitted = 입장이 허락되었습니다.
room-declined = 이번에는 상담사가 입장을 허락하지 않았습니다. 메시지를 보내거나 다른 시간을 예약할 수 있습니다.
room-knock = 님이 입장을 기다리고 있습니다.
room-admit = 입장 허락
room-decline = 거절
room-reconnecting = 연결이 끊겼습니다. 다시 연결하는 중…
room-connected = 연결되었습니다.
room-ended = 상담이 끝났습니다.
room-host = 상담사
room-elapsed = 경과
room-remaining = 남은 시간
room-joined = 입장
room-left = 퇴장
room-participants = 참여자
room-end = 모두의 상담 종료
room-invite = 이메일로 초대
room-invite-submit = 초대하기
room-chat = 채팅
room-chat-label = 메시지
room-chat-send = 보내기
room-new = 지금 상담실 열기
room-new-title = 제목 (선택)
error-room-rate = 메시지를 너무 빨리 보내고 있습니다. 잠시 후 다시 보내 주세요.
error-room-message = 이해할 수 없는 메시지입니다.
error-room-failed = 처리하지 못했습니다. 다시 시도해 주세요.
error-room-not-admitted = 입장이 허락된 뒤에 메시지를 보낼 수 있습니다.
error-chat-too-long = 메시지는 제어 문자 없이 4000자까지 쓸 수 있습니다.
error-room-host-only = 상담사만 할 수 있습니다.
error-room-not-open = 상담실은 예약 시작 직전에 열리고 끝난 뒤 한 시간이 지나면 닫힙니다.
error-room-ended = 이 상담은 끝났습니다.
error-room-title = 상담실 제목은 100자까지입니다.
mail-room-invite-subject = [상담] { $host }님이 상담실로 초대했습니다
mail-room-invite-body =
    안녕하세요.

    { $host }님이 상담 상담실로 초대했습니다. 로그인한 뒤 여기에서 입장하세요.

    { $link }
room-files = 파일
room-file-share = 파일 공유
room-file-hint = 최대 { $mb }MB: PDF, 그림, 텍스트, Word, Excel, PowerPoint, 한글 파일. 이 상담실의 참여자만 내려받을 수 있습니다.
room-file-failed = 파일을 공유하지 못했습니다. 종류와 크기를 확인해 주세요.
error-file-name = 쓸 수 없는 파일 이름입니다. 이름을 바꿔 주세요.
error-file-type = 공유할 수 없는 종류이거나 내용이 이름과 맞지 않는 파일입니다.
error-file-empty = 빈 파일입니다.
error-file-too-large = 파일이 너무 큽니다.
room-board = 화이트보드
room-board-pen = 펜
room-board-text = 글자
room-board-color = 색
room-board-clear = 보드 지우기
room-board-prompt = 보드에 넣을 글자
room-color-black = 검정
room-color-red = 빨강
room-color-blue = 파랑
room-color-green = 초록
error-board-full = 화이트보드가 가득 찼습니다. 상담사가 지울 수 있습니다.
